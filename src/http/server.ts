import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import { createServer, type Server } from 'node:http';
import { answerClientError } from './client-error';
import { createExsignRoute, type ExsignRouteDeps } from './exsign-route';
import { methodNotAllowed, noEndpoint } from './exsign-response';
import { readJsonBody } from './read-json-body';
import { createStatusRoute, type StatusRouteDeps } from './status-route';

export interface HttpAppDeps extends ExsignRouteDeps {
  exsignPath: string;
  bodyLimitBytes: number;
  headersTimeoutMs: number;
  /** Every ExSign request is answered within this time (bounds Node's request timeout). */
  requestDeadlineMs: number;
  ready(): boolean;
  /** Per session state and last failure (which can name the SMSC's address): for allowed callers only. */
  readiness(): unknown;
  /** The shared store's state, when there is one: reported by /readyz, never a reason to be unready. */
  storeState?: () => unknown;
  /** Backs GET /messages/:id. */
  getMessage: StatusRouteDeps['getMessage'];
}

export interface HttpApp {
  server: Server;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The main listener, one koa app: the ExSign endpoint, the message status API, liveness and
 * readiness probes. The ExSign route reads its body with read-json-body.ts, and only once the
 * caller has passed its checks.
 */
export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const route = createExsignRoute(deps);
  const router = new Router();

  const exsign = async (ctx: Context): Promise<void> => {
    let answer;
    try {
      answer = await route.handle({
        socketAddress: ctx.req.socket.remoteAddress,
        forwardedFor: ctx.get('x-forwarded-for'),
        authorization: ctx.get('authorization'),
        readBody: () => readJsonBody(ctx.req, deps.bodyLimitBytes),
      });
    } catch (err) {
      // The route answers every failure itself; this is a bug, and no half answer is better than a wrong one.
      deps.logger.error({ err }, 'could not answer an ExSign request');
      ctx.respond = false;
      ctx.res.destroy();
      return;
    }
    // Set as a header, not ctx.type: koa would look the type up again on every answer.
    ctx.set('Content-Type', JSON_TYPE);
    ctx.body = JSON.stringify(answer.body);
    ctx.set('X-Message-Id', answer.messageId);
    // The rest of an oversized body is being drained; the connection is not reused after it.
    if (answer.code === 'BODY_TOO_LARGE') ctx.set('Connection', 'close');
  };
  router.post(deps.exsignPath, exsign);
  router.all(deps.exsignPath, (ctx) => {
    ctx.status = 200;
    ctx.body = methodNotAllowed(ctx.method);
  });
  // Liveness says only that the process answers: open to every caller.
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  // Readiness to anyone; which SMSC, which sessions and why they failed only to allowed callers.
  router.get('/readyz', (ctx) => {
    ctx.status = deps.ready() ? 200 : 503;
    const status = ctx.status === 200 ? 'ready' : 'not ready';
    const allowed = deps.isAllowed(deps.clientAddress(ctx.req.socket.remoteAddress, ctx.get('x-forwarded-for') || undefined));
    ctx.body = allowed ? { status, binds: deps.readiness(), ...(deps.storeState ? { store: deps.storeState() } : {}) } : { status };
  });
  router.get('/messages/:id', createStatusRoute(deps));

  const app = new Koa();
  app.silent = true; // every route answers its errors itself; nothing should reach koa's stderr logger
  // The ExSign POST, nearly every request, is matched before the router, which composes its
  // middleware chain per request: 2.5 µs of a 25 µs koa floor, measured. Other spellings of the
  // path (a trailing slash, other case) still reach the same handler through the router.
  app.use((ctx, next) => (ctx.method === 'POST' && ctx.path === deps.exsignPath ? exsign(ctx) : next()));
  app.use(router.routes());
  app.use((ctx: Context) => {
    ctx.status = 404;
    ctx.body = noEndpoint();
  });

  // Node checks header/request timeouts on this interval (default 30 s), too coarse for slow clients.
  const connectionsCheckingInterval = Math.max(100, Math.min(1000, Math.floor(deps.headersTimeoutMs / 2)));
  // requireHostHeader off: Node would answer a Host-less HTTP/1.1 request with an empty 400; we
  // serve one endpoint whatever the Host, so the request gets a contract answer instead.
  // koa's handler settles every request itself (its own onerror), so its promise is not awaited.
  const handle = app.callback();
  const server = createServer({ connectionsCheckingInterval, requireHostHeader: false }, (req, res) => void handle(req, res));
  server.headersTimeout = deps.headersTimeoutMs;
  server.requestTimeout = deps.requestDeadlineMs + deps.headersTimeoutMs;
  server.on('clientError', answerClientError);
  return { server };
}
