import Router from '@koa/router';
import Koa from 'koa';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { answerClientError } from './client-error';
import { createExsignRoute, type ExsignAnswer, type ExsignRouteDeps } from './exsign-route';
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

/**
 * The main listener: the ExSign endpoint, the message status API, liveness and readiness probes.
 * ExSign POSTs, the hot path, are served straight from Node's request with our own body reader
 * (koa's context and body parser cost 7 % of a message's CPU, measured); koa serves the rest.
 */
export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const route = createExsignRoute(deps);
  const exsignPath = deps.exsignPath.toLowerCase();
  const isExsignPost = (req: IncomingMessage): boolean => {
    if (req.method !== 'POST' || !req.url) return false;
    const query = req.url.indexOf('?');
    const path = (query === -1 ? req.url : req.url.slice(0, query)).toLowerCase();
    return path === exsignPath || path === `${exsignPath}/`;
  };
  const handleExsign = (req: IncomingMessage, readBody: () => Promise<unknown>): Promise<ExsignAnswer> =>
    route.handle({
      socketAddress: req.socket.remoteAddress,
      forwardedFor: req.headers['x-forwarded-for'] as string | undefined,
      authorization: req.headers.authorization,
      readBody,
    });
  // The rest of an oversized body is being drained; the connection is not reused after it.
  const closesConnection = (answer: ExsignAnswer) => answer.code === 'BODY_TOO_LARGE';

  const serveExsign = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const answer = await handleExsign(req, () => readJsonBody(req, deps.bodyLimitBytes));
    const body = JSON.stringify(answer.body);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'X-Message-Id': answer.messageId,
    };
    if (closesConnection(answer)) headers.Connection = 'close';
    res.writeHead(200, headers).end(body);
  };

  const router = new Router();
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
  // POSTs to this path never reach koa (see the listener below).
  router.all(deps.exsignPath, (ctx) => {
    ctx.status = 200;
    ctx.body = { IsSuccess: false, ErrorDetails: `Method ${ctx.method} not allowed; use POST` };
  });

  const app = new Koa();
  app.silent = true; // the route answers every error itself; nothing should reach koa's stderr logger
  app.use(router.routes());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { IsSuccess: false, ErrorDetails: 'No ExSign endpoint at this path' };
  });

  // Node checks header/request timeouts on this interval (default 30 s), too coarse for slow clients.
  const connectionsCheckingInterval = Math.max(100, Math.min(1000, Math.floor(deps.headersTimeoutMs / 2)));
  // requireHostHeader off: Node would answer a Host-less HTTP/1.1 request with an empty 400; we
  // serve one endpoint whatever the Host, so the request gets a contract answer instead.
  const koaListener = app.callback();
  const server = createServer({ connectionsCheckingInterval, requireHostHeader: false }, (req, res) => {
    if (isExsignPost(req)) {
      serveExsign(req, res).catch((err: unknown) => {
        deps.logger.error({ err }, 'could not answer an ExSign request');
        res.destroy();
      });
    } else void koaListener(req, res);
  });
  server.headersTimeout = deps.headersTimeoutMs;
  server.requestTimeout = deps.requestDeadlineMs + deps.headersTimeoutMs;
  server.on('clientError', answerClientError);
  return { server };
}
