// The HTTP floor: a bare node:http server that reads each ExSign POST, parses its JSON and answers
// {"IsSuccess":true,...} at once — no token, number, SMPP or store. Under the same wrk load it shows
// what Node's HTTP alone costs on this machine, the part of the gateway's CPU no change of ours can
// remove. Run in its own process by bench.ts; sends its port over IPC, exits with its parent.
import { createServer } from 'node:http';

const ANSWER = '{"IsSuccess":true,"ErrorDetails":""}';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': ANSWER.length }).end(ANSWER);
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
process.once('disconnect', () => process.exit(0));
