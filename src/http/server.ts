import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import bodyParser from 'koa-bodyparser';
import { createServer, type Server } from 'node:http';
import { answerClientError } from './client-error';
import { bodyError } from './exsign-response';
import { createExsignRoute, type ExsignRouteDeps } from './exsign-route';
import { createStatusRoute, type StatusRouteDeps } from './status-route';

export interface HttpAppDeps extends Omit<ExsignRouteDeps, 'parseBody'> {
  exsignPath: string;
  bodyLimitBytes: number;
  headersTimeoutMs: number;
  ready(): boolean;
  readiness(): unknown;
  /** Backs GET /messages/:id. */
  getMessage: StatusRouteDeps['getMessage'];
}

export interface HttpApp {
  server: Server;
  /** Requests being handled right now (for draining on shutdown). */
  inflight(): number;
}

/** The main listener: the ExSign endpoint, the message status API, liveness and readiness probes. */
export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const parser = bodyParser({
    enableTypes: ['json'],
    jsonLimit: `${deps.bodyLimitBytes}b`,
    strict: false, // we check the shape ourselves and answer with a precise error
    detectJSON: () => true, // portals do not always send Content-Type: application/json
  });
  const parseBody = async (ctx: Context): Promise<void> => {
    try {
      await parser(ctx, async () => undefined);
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 413) {
        // Let the client finish sending so it reads our answer instead of a reset.
        ctx.req.resume();
        ctx.set('Connection', 'close');
      }
      throw bodyError(err as { status?: number }, deps.bodyLimitBytes);
    }
  };

  const route = createExsignRoute({ ...deps, parseBody });
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', (ctx) => {
    ctx.status = deps.ready() ? 200 : 503;
    ctx.body = { status: ctx.status === 200 ? 'ready' : 'not ready', binds: deps.readiness() };
  });
  router.get('/messages/:id', createStatusRoute(deps));
  router.post(deps.exsignPath, route.handle);
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
  const server = createServer({ connectionsCheckingInterval, requireHostHeader: false }, app.callback());
  server.headersTimeout = deps.headersTimeoutMs;
  server.requestTimeout = deps.requestDeadlineMs + deps.headersTimeoutMs;
  server.on('clientError', answerClientError);
  return { server, inflight: route.inflight };
}
