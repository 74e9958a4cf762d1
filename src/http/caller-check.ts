import { GatewayError } from '../errors';
import type { TokenVerdict } from './token-check';

export interface CallerCheckDeps {
  isAllowed(address: string | undefined): boolean;
  checkToken(header: string | undefined): TokenVerdict;
}

/**
 * The caller checks every endpoint of the main listener makes, in this order: the address
 * against SMSGW_ALLOWED_IPS, then the token. Throws IP_NOT_ALLOWED, AUTH_MISSING or AUTH_INVALID;
 * returns which token matched.
 */
export function checkCaller(deps: CallerCheckDeps, client: string | undefined, authorization: string | undefined): 'ok' | 'previous' {
  if (!deps.isAllowed(client)) throw new GatewayError('caller-refused', { code: 'IP_NOT_ALLOWED' });
  const verdict = deps.checkToken(authorization || undefined);
  if (verdict === 'missing') throw new GatewayError('caller-refused', { code: 'AUTH_MISSING' });
  if (verdict === 'invalid') throw new GatewayError('caller-refused', { code: 'AUTH_INVALID' });
  return verdict;
}
