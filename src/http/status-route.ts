import type { Context } from 'koa';
import type { Logger } from '../log';
import type { MessageView } from '../dlr/message-view';
import type { TokenVerdict } from './token-check';

export interface StatusRouteDeps {
  logger: Logger;
  clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined): string | undefined;
  isAllowed(address: string | undefined): boolean;
  checkToken(header: string | undefined): TokenVerdict;
  getMessage(id: string): Promise<MessageView | undefined>;
}

// Our ids are UUIDs; anything much longer is not worth a lookup.
const MAX_ID_LENGTH = 64;

/**
 * GET /messages/:id with the ExSign endpoint's caller checks. Unlike the ExSign contract, this
 * API answers with ordinary HTTP statuses: 403 caller, 401 token, 404 unknown (or expired) id.
 */
export function createStatusRoute(deps: StatusRouteDeps) {
  return async (ctx: Context & { params: Record<string, string> }): Promise<void> => {
    if (!deps.isAllowed(deps.clientAddress(ctx.req.socket.remoteAddress, ctx.get('x-forwarded-for') || undefined))) {
      ctx.status = 403;
      ctx.body = { error: 'Caller address not allowed' };
      return;
    }
    const verdict = deps.checkToken(ctx.get('authorization') || undefined);
    if (verdict !== 'ok' && verdict !== 'previous') {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'token');
      ctx.body = { error: verdict === 'missing' ? 'Authorization header missing (expected "token <base64 token>")' : 'Authorization token not accepted' };
      return;
    }
    const id = ctx.params.id ?? '';
    let view: MessageView | undefined;
    try {
      view = id.length <= MAX_ID_LENGTH ? await deps.getMessage(id) : undefined;
    } catch (err) {
      deps.logger.error({ messageId: id, err: (err as Error).message }, 'message store read failed');
      ctx.status = 503;
      ctx.body = { error: 'Message store unavailable' };
      return;
    }
    if (!view) {
      ctx.status = 404;
      ctx.body = { error: 'No message with this id (unknown, or older than the retention period)' };
      return;
    }
    ctx.body = view;
  };
}
