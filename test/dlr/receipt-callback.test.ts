// The receipt callback against a real HTTP server on 127.0.0.1, alone and through the gateway.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReceiptCallback, type CallbackOptions } from '../../src/dlr/receipt-callback';
import type { MessageView } from '../../src/records/message-view';
import { createLogger } from '../../src/log';
import { startFakeSmsc } from '../support/fake-smsc';
import { LogCapture, sms, startGateway, waitFor } from '../support/gateway';
import { eventually, getStatus, metricValue } from '../support/status-api';

interface Received {
  body: unknown;
  authorization: string | undefined;
  contentType: string | undefined;
}

/**
 * A receiver whose answer to the n-th request (1-based) is chosen by the test; 'hang' never answers.
 * `abandoned` counts requests whose connection the client closed before they were answered.
 */
async function startReceiver(answer: (n: number) => number | 'hang') {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  let abandoned = 0;
  let stopping = false;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    res.on('close', () => {
      if (!res.writableEnded && !stopping) abandoned++;
    });
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      received.push({ body: JSON.parse(text), authorization: req.headers.authorization, contentType: req.headers['content-type'] });
      const status = answer(received.length);
      if (status === 'hang') hanging.push(res);
      else res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/receipts`;
  const stop = () =>
    new Promise<void>((resolve) => {
      stopping = true;
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, received, abandoned: () => abandoned, stop };
}

const droppedLog = (logs: LogCapture) => logs.records().find((r) => r.msg === 'receipt callbacks not posted before shutdown');

const view = (id: string): MessageView => ({
  id,
  status: 'delivered',
  segments: [{ smscMessageId: '1A2B', status: 'delivered', error: null }],
  smsc: 'default',
  submittedAt: '2026-01-05T10:00:00.000Z',
  updatedAt: '2026-01-05T10:00:03.000Z',
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function callbackTo(answer: (n: number) => number | 'hang', options: Partial<CallbackOptions> = {}) {
  const receiver = await startReceiver(answer);
  const logs = new LogCapture();
  const outcomes: string[] = [];
  const callback = createReceiptCallback({
    url: receiver.url,
    token: '',
    timeoutMs: 2000,
    attempts: 3,
    retryDelayMs: 20,
    queueSize: 100,
    logger: createLogger('debug', logs),
    onOutcome: (outcome) => outcomes.push(outcome),
    ...options,
  });
  cleanups.push(async () => {
    await callback.stop();
    await receiver.stop();
  });
  return { callback, receiver, logs, outcomes };
}

describe('receipt callback', () => {
  it('POSTs the status JSON with the bearer token', async () => {
    const { callback, receiver } = await callbackTo(() => 204, { token: 'cb-secret' });
    callback.notify(view('m1'));
    await waitFor(() => receiver.received.length === 1, 'one POST');
    expect(receiver.received[0]).toEqual({ body: view('m1'), authorization: 'Bearer cb-secret', contentType: 'application/json' });
  });

  it('retries a 5xx answer and stops after the first success', async () => {
    const { callback, receiver, logs, outcomes } = await callbackTo((n) => (n < 3 ? 503 : 200), { attempts: 5 });
    callback.notify(view('m1'));
    await waitFor(() => outcomes.length > 0, 'the success to be handled');
    // stop() drops and reports anything still queued, in flight or waiting to retry: nothing may be.
    await callback.stop();
    expect(droppedLog(logs)).toBeUndefined();
    expect(outcomes).toEqual(['sent']);
    expect(receiver.received).toHaveLength(3);
    expect(receiver.received.every((r) => (r.body as MessageView).id === 'm1')).toBe(true);
  });

  it('retries a receiver that does not answer within the timeout', async () => {
    const { callback, receiver, logs } = await callbackTo((n) => (n === 1 ? 'hang' : 200), { timeoutMs: 150 });
    callback.notify(view('m1'));
    await waitFor(() => receiver.received.length === 2, 'a second POST after the timeout');
    expect(logs.text).toContain('no answer within 150 ms');
  });

  it('gives up after the configured attempts', async () => {
    const { callback, receiver, logs } = await callbackTo(() => 500, { attempts: 2 });
    callback.notify(view('m1'));
    await waitFor(() => logs.text.includes('receipt callback failed; giving up'), 'giving up');
    expect(receiver.received).toHaveLength(2);
  });

  it('does not retry a 4xx answer other than 408/429', async () => {
    const { callback, receiver, logs, outcomes } = await callbackTo(() => 400);
    callback.notify(view('m1'));
    await waitFor(() => logs.text.includes('receipt callback refused; not retrying'), 'the refusal');
    await callback.stop();
    expect(droppedLog(logs)).toBeUndefined(); // no retry queued or pending
    expect(outcomes).toEqual(['failed']);
    expect(receiver.received).toHaveLength(1);
  });

  it('drops statuses beyond the queue size instead of growing without bound', async () => {
    const { callback, receiver, logs } = await callbackTo(() => 'hang', { queueSize: 2 });
    // Four posts hang in flight; two wait in the queue; the seventh is dropped.
    for (let i = 0; i < 7; i++) callback.notify(view(`m${i}`));
    expect(logs.records().filter((r) => r.msg === 'receipt callback queue full; status not posted')).toHaveLength(1);
    await waitFor(() => receiver.received.length === 4, 'four POSTs in flight');
  });

  it('stop() aborts what is in flight and reports what was dropped', async () => {
    // A minute's timeout: only the abort can end the hanging POST within the test.
    const { callback, receiver, logs, outcomes } = await callbackTo(() => 'hang', { timeoutMs: 60_000 });
    callback.notify(view('m1'));
    await waitFor(() => receiver.received.length === 1, 'the POST');
    const stopped = callback.stop();
    await waitFor(() => receiver.abandoned() === 1, 'the receiver to see the POST abandoned');
    await stopped;
    expect(droppedLog(logs)).toMatchObject({ dropped: 1 });
    expect(outcomes).toEqual(['dropped']);
  });
});

describe('receipt callback through the gateway', () => {
  it('POSTs the final status once, as the status API shows it, retrying a failed POST', async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 500 : 200));
    const { smsc, url } = await startFakeSmsc();
    const gw = await startGateway(url, {
      SMSGW_DLR_CALLBACK_URL: receiver.url,
      SMSGW_DLR_CALLBACK_TOKEN: 'cb-secret',
      SMSGW_DLR_CALLBACK_RETRY_DELAY_MS: '20',
    });
    cleanups.push(async () => {
      await gw.stop();
      await smsc.stop();
      await receiver.stop();
    });
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
    const res = await gw.post(sms('Your code is 4821'));
    const id = res.headers.get('x-message-id')!;
    expect(await smsc.sendReceipt(smsc.submits[0]!, { stat: 'ENROUTE' })).toBe(0);
    expect(await smsc.sendReceipt(smsc.submits[0]!)).toBe(0);
    expect(await smsc.sendReceipt(smsc.submits[0]!)).toBe(0); // duplicate: no second callback
    await waitFor(() => receiver.received.length === 2, 'the retried POST');
    const status = await getStatus(gw, id);
    expect(receiver.received.map((r) => r.body)).toEqual([status.json, status.json]);
    expect(receiver.received[0]!.authorization).toBe('Bearer cb-secret');
    // A second message settled after the duplicate is queued behind anything the duplicate queued.
    const second = await gw.post(sms('Your code is 9173'));
    const secondId = second.headers.get('x-message-id')!;
    expect(await smsc.sendReceipt(smsc.submits[1]!)).toBe(0);
    const sent = 'smsgw_dlr_callbacks_total{outcome="sent"}';
    await eventually(async () => (await metricValue(gw, sent)) === 2, 'the second message posted');
    // Stopping reports whatever is still queued, in flight or waiting to retry: nothing may be.
    await gw.stop();
    expect(droppedLog(gw.logs)).toBeUndefined();
    expect(receiver.received.map((r) => (r.body as MessageView).id)).toEqual([id, id, secondId]);
    expect(gw.logs.text).not.toContain('cb-secret');
  });

  it('never holds up deliver_sm_resp while the receiver hangs', async () => {
    const receiver = await startReceiver(() => 'hang');
    const { smsc, url } = await startFakeSmsc();
    const gw = await startGateway(url, { SMSGW_DLR_CALLBACK_URL: receiver.url, SMSGW_DLR_CALLBACK_TIMEOUT_MS: '10000' });
    cleanups.push(async () => {
      await gw.stop();
      await smsc.stop();
      await receiver.stop();
    });
    await waitFor(() => gw.gateway.smsc.ready(), 'bound');
    for (let i = 0; i < 3; i++) expect((await gw.post(sms(`code ${i}`))).json.IsSuccess).toBe(true);
    // Each POST hangs for up to 10 s, longer than the simulator waits for a deliver_sm_resp (5 s):
    // every receipt answered ESME_ROK was not waiting on its POST.
    for (const submit of smsc.submits) expect(await smsc.sendReceipt(submit)).toBe(0);
    await eventually(async () => receiver.received.length === 3, 'three hanging POSTs');
  });
});
