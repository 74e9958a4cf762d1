// The HTTP floor: a server that reads each ExSign POST, parses its JSON and answers
// {"IsSuccess":true,...} at once — no token, number, SMPP or store. Under the same wrk load it shows
// what HTTP alone costs on this machine, the part of the gateway's CPU no change of ours can remove.
// `node`: a bare node:http server; `koa`: the gateway's HTTP stack (koa, @koa/router and its body
// reader), so the framework's share stays visible. Run in its own process by bench.ts; sends its port
// over IPC, exits with its parent.
import Router from '@koa/router';
import Koa from 'koa';
import { createServer, type RequestListener } from 'node:http';
import { readJsonBody } from '../../src/http/read-json-body';

const ANSWER = '{"IsSuccess":true,"ErrorDetails":""}';
const BODY_LIMIT_BYTES = 16 * 1024;

function bareListener(): RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': ANSWER.length }).end(ANSWER);
    });
  };
}

function koaListener(): RequestListener {
  // As the gateway serves it: the ExSign POST matched ahead of the router, the router behind it.
  const exsign = async (ctx: Koa.Context): Promise<void> => {
    await readJsonBody(ctx.req, BODY_LIMIT_BYTES);
    ctx.set('Content-Type', 'application/json; charset=utf-8');
    ctx.body = ANSWER;
  };
  const router = new Router();
  router.post('/exsign/sms', exsign);
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  const app = new Koa();
  app.use((ctx, next) => (ctx.method === 'POST' && ctx.path === '/exsign/sms' ? exsign(ctx) : next()));
  app.use(router.routes());
  const handle = app.callback();
  return (req, res) => void handle(req, res);
}

const server = createServer(process.argv[2] === 'koa' ? koaListener() : bareListener());
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
process.once('disconnect', () => process.exit(0));
