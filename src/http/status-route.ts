import type { Context } from 'koa';
import type { Logger } from '../log';
import type { MessageView } from '../records/message-view';
import { asFailure, GatewayError } from '../errors';
import { exsignDetails } from './exsign-response';
import { checkCaller, type CallerCheckDeps } from './caller-check';

export interface StatusRouteDeps extends CallerCheckDeps {
  logger: Logger;
  clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined): string | undefined;
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
    try {
      checkCaller(deps, deps.clientAddress(ctx.req.socket.remoteAddress, ctx.get('x-forwarded-for') || undefined), ctx.get('authorization'));
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      ctx.status = err.code === 'IP_NOT_ALLOWED' ? 403 : 401;
      if (ctx.status === 401) ctx.set('WWW-Authenticate', 'token');
      ctx.body = { error: exsignDetails(asFailure(err)) };
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
