// The session lifecycle alone (no window, no gateway) against the fake SMSC over loopback, with
// real timings shrunk; every wait is on an event.
import { EventEmitter, once } from 'node:events';
import { PDU, type Session } from 'smpp';
import { createLogger } from '../../src/log';
import type { BindEvents, BindState, CloseReason } from '../../src/smpp/bind-events';
import { COMMAND_ID } from '../../src/smpp/command-id';
import { COMMAND_STATUS } from '../../src/smpp/command-status';
import { SessionLifecycle, type SessionHooks } from '../../src/smpp/session-lifecycle';
import type { SmscSimulator } from '../../src/sim/smsc-simulator';
import { bindOptions } from '../support/bind';
import { afterNextMalformed, behaviours, heardUntilClose, startFakeSmsc, withTruncatedTlv } from '../support/fake-smsc';
import { LogCapture } from '../support/gateway';

const { ESME_ROK, ESME_RINVCMDID, ESME_RINVCMDLEN, ESME_RINVPASWD, ESME_RINVTLVLEN, ESME_RX_T_APPN } = COMMAND_STATUS;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Setup {
  lifecycle: SessionLifecycle;
  events: EventEmitter<BindEvents>;
  /** Hook calls in order, e.g. 'bound', 'ended link-lost', 'response submit_sm_resp'. */
  hooks: string[];
  /** Resolves when the hook call `entry` is made (at once if it was). */
  hookCalled(entry: string): Promise<void>;
  states: BindState[];
  logs: LogCapture;
  smsc: SmscSimulator;
  url: string;
}

async function setup(options: Parameters<typeof startFakeSmsc>[0] = {}, overrides: Parameters<typeof bindOptions>[1] = {}, url?: string): Promise<Setup> {
  const fake = await startFakeSmsc(options);
  const events = new EventEmitter<BindEvents>();
  const hooks: string[] = [];
  const calls = new EventEmitter();
  const call = (entry: string) => {
    hooks.push(entry);
    calls.emit(entry);
  };
  const hookCalled = async (entry: string) => {
    if (!hooks.includes(entry)) await once(calls, entry);
  };
  const states: BindState[] = [];
  events.on('state', (next) => states.push(next));
  const record: SessionHooks = {
    bound: () => call('bound'),
    ended: (reason) => call(`ended ${reason}`),
    response: (pdu) => call(`response ${pdu.command}`),
    linkProven: () => call('linkProven'),
    drained: () => undefined,
  };
  const logs = new LogCapture();
  const lifecycle = new SessionLifecycle(bindOptions(url ?? fake.url, overrides), events, record, createLogger('debug', logs));
  cleanups.push(async () => {
    await lifecycle.stop();
    await fake.smsc.stop();
  });
  return { lifecycle, events, hooks, hookCalled, states, logs, smsc: fake.smsc, url: fake.url };
}

/** Resolves with the next 'closed' event's reason and detail. */
const nextClose = async (events: EventEmitter<BindEvents>) => (await once(events, 'closed')) as BindEvents['closed'];

async function reach(s: Setup, state: BindState): Promise<void> {
  while (s.lifecycle.state !== state) await once(s.events, 'state');
}

describe('session lifecycle', () => {
  it('connects and binds as an SMPP 3.4 transceiver; each state change is one event and one log line', async () => {
    const s = await setup();
    s.lifecycle.start();
    await reach(s, 'bound');
    expect(s.states).toEqual(['connecting', 'binding', 'bound']);
    expect(s.hooks).toEqual(['bound']);
    expect(s.smsc.bindAttempts).toEqual([{ systemId: 'smsgw', command: 'bind_transceiver', interfaceVersion: 0x34 }]);
    const changes = s.logs.records().filter((r) => String(r.msg).startsWith('SMPP bind '));
    expect(changes.map((r) => [r.from, r.to])).toEqual([
      ['idle', 'connecting'],
      ['connecting', 'binding'],
      ['binding', 'bound'],
    ]);
    expect(s.logs.text).not.toContain('secret12');
  });

  it('binds as a receiver or transmitter when told to', async () => {
    const s = await setup({}, { bindType: 'receiver' });
    s.lifecycle.start();
    await reach(s, 'bound');
    expect(s.smsc.bindAttempts.map((a) => a.command)).toEqual(['bind_receiver']);
  });

  it('a refused TCP connection ends as connect-failed, then the next attempt follows', async () => {
    // Refused at once: port 1 (tcpmux): nothing serves it here, and npm smpp would take port 0 for its default 2775.
    const s = await setup({}, {}, 'smpp://127.0.0.1:1');
    s.lifecycle.start();
    const [reason, detail] = await nextClose(s.events);
    expect(reason).toBe('connect-failed');
    expect(detail).toMatch(/^ECONNREFUSED/);
    await reach(s, 'reconnect-wait');
    await reach(s, 'connecting'); // the next attempt
    expect(s.lifecycle.lastFailureReason).toMatch(/^connect-failed: ECONNREFUSED/);
  });

  it('a bind that is never answered ends as bind-timeout; in-flight work fails before the close is reported', async () => {
    const s = await setup(behaviours['blackhole-bind'](), { bindTimeoutMs: 100 });
    const order: string[] = [];
    s.events.on('closed', (reason) => order.push(`closed ${reason}`));
    s.lifecycle.start();
    const [reason, detail] = await nextClose(s.events);
    expect([reason, detail]).toEqual(['bind-timeout', 'no bind response within 100 ms']);
    expect([...s.hooks, ...order]).toEqual(['ended bind-timeout', 'closed bind-timeout']);
    await reach(s, 'reconnect-wait');
    await once(s.smsc, 'bind'); // the next attempt
    expect(s.smsc.bindAttempts).toHaveLength(2);
  });

  it('refused credentials: the status named, an error log, and the next bind only after the long delay', async () => {
    const s = await setup(behaviours['refuse-bind'](ESME_RINVPASWD), { bindRefusedDelayMs: 60_000, bindRefusedMaxDelayMs: 60_000 });
    const responses: PDU[] = [];
    s.events.on('bind-response', (pdu) => responses.push(pdu));
    s.lifecycle.start();
    const [reason, detail] = await nextClose(s.events);
    expect([reason, detail]).toEqual(['bind-refused', 'bind_transceiver_resp ESME_RINVPASWD (0x0E)']);
    expect(responses.map((r) => r.command_status)).toEqual([ESME_RINVPASWD]);
    await reach(s, 'reconnect-wait');
    const wait = s.logs.records().find((r) => r.to === 'reconnect-wait')!;
    expect(wait).toMatchObject({ level: 50, reason: 'bind-refused' });
    const delay = Number(/next attempt in (\d+) ms/.exec(String(wait.detail))![1]);
    expect(delay).toBeGreaterThanOrEqual(30_000);
    expect(delay).toBeLessThanOrEqual(60_000);
  });

  it('probes a silent link with enquire_link; no answer ends the session as enquire-link-timeout and it rebinds', async () => {
    const s = await setup(behaviours['no-enquire-link-resp'](), { enquireLinkIntervalMs: 50, enquireLinkTimeoutMs: 50 });
    const timeouts: number[] = [];
    s.events.on('enquire-link-timeout', () => timeouts.push(Date.now()));
    s.lifecycle.start();
    await reach(s, 'bound');
    const [reason, detail] = await nextClose(s.events);
    expect([reason, detail]).toEqual(['enquire-link-timeout', 'no enquire_link_resp within 50 ms']);
    expect(timeouts).toHaveLength(1);
    await reach(s, 'bound');
    expect(s.smsc.bindAttempts).toHaveLength(2);
  });

  it('an answered enquire_link proves the link and keeps the session', async () => {
    const s = await setup({}, { enquireLinkIntervalMs: 30 });
    let probes = 0;
    s.smsc.on('enquire_link', () => probes++);
    s.lifecycle.start();
    await reach(s, 'bound');
    for (let i = 0; i < 3; i++) await once(s.events, 'enquire-link-resp');
    expect(probes).toBeGreaterThanOrEqual(3);
    expect(s.hooks.filter((h) => h === 'linkProven').length).toBeGreaterThanOrEqual(3);
    expect(s.lifecycle.state).toBe('bound');
    expect(s.smsc.bindAttempts).toHaveLength(1);
  });

  it('enquireLink() resolves on the answer, and rejects when the session ends first', async () => {
    const s = await setup();
    await expect(s.lifecycle.enquireLink()).rejects.toThrow('not bound (idle)');
    s.lifecycle.start();
    await reach(s, 'bound');
    await s.lifecycle.enquireLink();
    s.smsc.configure({ answerEnquireLink: false });
    const probe = s.lifecycle.enquireLink();
    await once(s.smsc, 'enquire_link');
    s.smsc.dropConnections();
    await expect(probe).rejects.toThrow('link-lost: connection closed');
  });

  it('answers the SMSC\'s enquire_link', async () => {
    const s = await setup();
    s.lifecycle.start();
    await reach(s, 'bound');
    const answered = nextPdu(s.smsc.sessions[0]!, 'enquire_link_resp');
    s.smsc.sendToAll(new PDU('enquire_link', {}));
    expect((await answered).command_status).toBe(ESME_ROK);
  });

  it('answers an unbind from the SMSC, ends as peer-unbind and rebinds', async () => {
    const s = await setup();
    s.lifecycle.start();
    await reach(s, 'bound');
    const answered = nextPdu(s.smsc.sessions[0]!, 'unbind_resp');
    const closed = nextClose(s.events);
    s.smsc.sendToAll(new PDU('unbind', {}));
    expect((await answered).command_status).toBe(ESME_ROK);
    expect((await closed)[0]).toBe('peer-unbind');
    await reach(s, 'bound');
    expect(s.smsc.bindAttempts).toHaveLength(2);
  });

  it('a command_length shorter than the header: generic_nack ESME_RINVCMDLEN with sequence_number 0 reaches the SMSC before the close, then it rebinds', async () => {
    const s = await setup(behaviours['command-length-too-short'](1));
    s.lifecycle.start();
    await reach(s, 'bound');
    const exchange = afterNextMalformed(s.smsc);
    const closed = nextClose(s.events);
    expect(s.lifecycle.send(new PDU('submit_sm', { destination_addr: '447400123456', short_message: 'x' }))).toBe(true);
    const [reason, detail] = await closed;
    expect(reason).toBe('malformed-pdu');
    expect(detail).toBe('PDU command_length 4 is shorter than the 16-byte header');
    // The header's sequence_number lies past the 4 octets the PDU claims: it cannot be decoded (SMPP 3.4 §4.3.1: NULL).
    expect(await exchange).toEqual({ kind: 'too-short', heard: [{ command: 'generic_nack', commandStatus: ESME_RINVCMDLEN, sequenceNumber: 0 }] });
    const line = s.logs.records().find((r) => String(r.msg).startsWith('PDU command_length 4'));
    expect(line).toMatchObject({
      level: 40,
      commandLength: 4,
      commandStatus: 'ESME_RINVCMDLEN (0x02)',
      msg: 'PDU command_length 4 is shorter than the 16-byte header; answered generic_nack ESME_RINVCMDLEN (0x02), sequence_number 0; dropping the session',
    });
    expect(line).not.toHaveProperty('sequenceNumber'); // not known, so not logged
    await reach(s, 'bound');
    expect(s.smsc.bindAttempts).toHaveLength(2);
    expect(s.hooks).toEqual(['bound', 'ended malformed-pdu', 'bound']);
  });

  it('a command_length over the library\'s limit: generic_nack ESME_RINVCMDLEN names the offending sequence_number, then it rebinds', async () => {
    const s = await setup(behaviours['malformed-pdu'](1));
    s.lifecycle.start();
    await reach(s, 'bound');
    const exchange = afterNextMalformed(s.smsc);
    const closed = nextClose(s.events);
    const submit = new PDU('submit_sm', { destination_addr: '447400123456', short_message: 'x' });
    s.lifecycle.send(submit);
    expect(submit.sequence_number).toBeGreaterThan(0);
    expect(await closed).toEqual(['malformed-pdu', 'PDU command_length 16777215 is over the 16384-byte limit']);
    expect(await exchange).toEqual({ kind: 'too-long', heard: [{ command: 'generic_nack', commandStatus: ESME_RINVCMDLEN, sequenceNumber: submit.sequence_number }] });
    expect(s.logs.records().find((r) => String(r.msg).startsWith('PDU command_length 16777215'))).toMatchObject({
      commandLength: 0x00ffffff,
      commandId: '0x80000004',
      sequenceNumber: submit.sequence_number,
      commandStatus: 'ESME_RINVCMDLEN (0x02)',
      msg: `PDU command_length 16777215 is over the 16384-byte limit; answered generic_nack ESME_RINVCMDLEN (0x02), sequence_number ${submit.sequence_number}; dropping the session`,
    });
    await reach(s, 'bound');
    expect(s.smsc.bindAttempts).toHaveLength(2);
  });

  it('a raw too-long header from the SMSC (an unsolicited request): answered generic_nack with its sequence_number, dropped, rebound', async () => {
    const s = await setup();
    s.lifecycle.start();
    await reach(s, 'bound');
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x00ffffff, 0); // command_length far over the library's limit
    header.writeUInt32BE(COMMAND_ID.deliver_sm, 4);
    header.writeUInt32BE(4242, 12);
    const heard = heardUntilClose(s.smsc.sessions[0]!);
    const counted = once(s.events, 'malformed-pdu');
    const closed = nextClose(s.events);
    s.smsc.sendRaw(header);
    expect((await closed)[0]).toBe('malformed-pdu');
    await counted;
    expect(await heard).toEqual([{ command: 'generic_nack', commandStatus: ESME_RINVCMDLEN, sequenceNumber: 4242 }]);
    await reach(s, 'bound');
  });

  it('the generic_nack still leaves when the bad header is read in the turn a submit corked the socket', async () => {
    const s = await setup();
    s.lifecycle.start();
    await reach(s, 'bound');
    const heard = heardUntilClose(s.smsc.sessions[0]!);
    const session = (s.lifecycle as unknown as { session: Session }).session;
    const submit = new PDU('submit_sm', { destination_addr: '447400123456', short_message: 'x' });
    s.lifecycle.send(submit); // corked until the next turn
    expect(session.socket.writableCorked).toBe(1);
    const tooShort = Buffer.alloc(16);
    tooShort.writeUInt32BE(4, 0);
    // As if the bytes had arrived in this same turn: the library reads them on 'readable'.
    session.socket.unshift(tooShort);
    session.socket.emit('readable');
    expect(s.lifecycle.state).toBe('reconnect-wait'); // dropped at once, not after the write
    expect(await heard).toEqual([
      { command: 'submit_sm', commandStatus: ESME_ROK, sequenceNumber: submit.sequence_number },
      { command: 'generic_nack', commandStatus: ESME_RINVCMDLEN, sequenceNumber: 0 },
    ]);
  });

  it('answers an unknown command_id with generic_nack ESME_RINVCMDID and stays bound', async () => {
    const s = await setup();
    s.lifecycle.start();
    await reach(s, 'bound');
    const nack = nextPdu(s.smsc.sessions[0]!, 'generic_nack');
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32BE(16, 0);
    unknown.writeUInt32BE(0x00000999, 4);
    unknown.writeUInt32BE(77, 12);
    s.smsc.sendRaw(unknown);
    expect(await nack).toMatchObject({ command_status: ESME_RINVCMDID, sequence_number: 77 });
    await s.lifecycle.enquireLink();
    expect(s.lifecycle.state).toBe('bound');
  });

  it('a deliver_sm whose TLV runs past its end: deliver_sm_resp ESME_RINVTLVLEN with its sequence_number, and the session stays bound and reads on', async () => {
    const delivered: PDU[] = [];
    const s = await setup({}, { onDeliver: (pdu) => (delivered.push(pdu), ESME_ROK) });
    s.lifecycle.start();
    await reach(s, 'bound');
    const events: string[] = [];
    s.events.on('malformed-pdu', () => events.push('malformed-pdu'));
    s.events.on('closed', (reason) => events.push(`closed ${reason}`));
    const receipt = (sequence_number: number, id: string) =>
      new PDU('deliver_sm', { sequence_number, source_addr: '447400123456', destination_addr: 'ExSign', esm_class: 0x04, short_message: Buffer.from(`id:${id} stat:DELIVRD`), receipted_message_id: id, message_state: 2 });
    // The poison PDU and a good receipt in one write: the good one must be read from what is left.
    const answers = nextPdus(s.smsc.sessions[0]!, 'deliver_sm_resp', 2);
    s.smsc.sendRaw(Buffer.concat([withTruncatedTlv(receipt(4711, 'poison')), receipt(4712, 'good').toBuffer()]));
    expect((await answers).map((pdu) => [pdu.sequence_number, pdu.command_status])).toEqual([
      [4711, ESME_RINVTLVLEN],
      [4712, ESME_ROK],
    ]);
    expect(delivered.map((pdu) => [pdu.sequence_number, pdu.receipted_message_id])).toEqual([[4712, 'good']]);
    expect(s.logs.records().find((r) => String(r.msg).startsWith('deliver_sm body could not be decoded'))).toMatchObject({
      level: 40,
      command: 'deliver_sm',
      commandId: '0x5',
      sequenceNumber: 4711,
      commandLength: receipt(4711, 'poison').toBuffer().length + 4,
      commandStatus: 'ESME_RINVTLVLEN (0xC2)',
      msg: expect.stringMatching(/^deliver_sm body could not be decoded: .+; answered deliver_sm_resp ESME_RINVTLVLEN \(0xC2\), sequence_number 4711; the session reads on$/),
    });
    // A later PDU arriving on its own is read too, and submits still flow.
    const later = nextPdus(s.smsc.sessions[0]!, 'deliver_sm_resp', 1);
    s.smsc.sendRaw(receipt(4713, 'later').toBuffer());
    expect((await later)[0]).toMatchObject({ sequence_number: 4713, command_status: ESME_ROK });
    expect(s.lifecycle.send(new PDU('submit_sm', { destination_addr: '447400123456', short_message: 'x' }))).toBe(true);
    await s.hookCalled('response submit_sm_resp');
    expect(s.lifecycle.state).toBe('bound');
    expect(s.hooks).toEqual(['bound', 'response submit_sm_resp']);
    expect(events).toEqual(['malformed-pdu']);
    expect(s.smsc.bindAttempts).toHaveLength(1);
  });

  it('answers deliver_sm with the handler\'s status once it resolves; a failing handler asks for a resend', async () => {
    const answers = [ESME_ROK, new Error('store down')];
    const fake = await setup({}, { onDeliver: () => { const next = answers.shift(); return next instanceof Error ? Promise.reject(next) : Promise.resolve(next!); } });
    fake.lifecycle.start();
    await reach(fake, 'bound');
    const deliver = { source_addr: '447400123456', destination_addr: 'ExSign', short_message: Buffer.from('hi') };
    expect(await fake.smsc.sendDeliver('deliver_sm', deliver)).toBe(ESME_ROK);
    expect(await fake.smsc.sendDeliver('deliver_sm', deliver)).toBe(ESME_RX_T_APPN);
  });

  it('hands submit_sm_resp to its owner', async () => {
    const s = await setup();
    s.lifecycle.start();
    await reach(s, 'bound');
    expect(s.lifecycle.send(new PDU('submit_sm', { destination_addr: '447400123456', short_message: 'x' }))).toBe(true);
    await s.hookCalled('response submit_sm_resp');
    expect(s.smsc.submits).toHaveLength(1);
  });

  it('stop(): unbinds, ends as stopped, is idempotent and never reconnects', async () => {
    const s = await setup();
    s.lifecycle.start();
    await reach(s, 'bound');
    const unbound = once(s.smsc, 'unbind');
    const answered = once(s.events, 'unbind-resp');
    const closes: CloseReason[] = [];
    s.events.on('closed', (reason) => closes.push(reason));
    await Promise.all([s.lifecycle.stop(), s.lifecycle.stop()]);
    await Promise.all([unbound, answered]);
    await s.lifecycle.stop();
    expect(s.states).toEqual(['connecting', 'binding', 'bound', 'unbinding', 'stopped']);
    expect(closes).toEqual(['stopped']);
    expect(s.lifecycle.send(new PDU('enquire_link', {}))).toBe(false);
    s.lifecycle.start(); // final: no new session
    expect(s.lifecycle.state).toBe('stopped');
    expect(s.smsc.bindAttempts).toHaveLength(1);
  });

  it('stop() while waiting to reconnect cancels the attempt', async () => {
    const delays = { bindRefusedDelayMs: 20, bindRefusedMaxDelayMs: 20 }; // each wait 10 to 20 ms
    const s = await setup(behaviours['refuse-bind'](), delays);
    s.lifecycle.start();
    await reach(s, 'reconnect-wait');
    await s.lifecycle.stop();
    expect(s.states).toEqual(['connecting', 'binding', 'reconnect-wait', 'stopped']);
    // Another client, started now with the same delays, binds a third time at least two waits
    // (20 ms or more) later: past the end of the wait that stop() cancelled.
    const events = new EventEmitter<BindEvents>();
    const other = new SessionLifecycle(bindOptions(s.url, { ...delays, systemId: 'other' }), events, { bound: () => undefined, ended: () => undefined, response: () => undefined, linkProven: () => undefined, drained: () => undefined }, createLogger('silent'));
    other.start();
    while (s.smsc.bindAttempts.filter((a) => a.systemId === 'other').length < 3) await once(s.smsc, 'bind');
    await other.stop();
    expect(s.smsc.bindAttempts.filter((a) => a.systemId === 'smsgw')).toHaveLength(1);
  });

  it('stop() does not wait past the response timeout for an unbind_resp that never comes', async () => {
    const s = await setup({}, { responseTimeoutMs: 100 });
    s.lifecycle.start();
    await reach(s, 'bound');
    s.smsc.configure({ stopAnswering: true });
    let answered = false;
    s.events.on('unbind-resp', () => (answered = true));
    await s.lifecycle.stop();
    expect(answered).toBe(false);
    expect(s.lifecycle.state).toBe('stopped');
  });
});

/** The next `count` PDUs named `command` the SMSC receives on `session`. */
function nextPdus(session: Session, command: string, count: number): Promise<PDU[]> {
  const received: PDU[] = [];
  return new Promise((resolve) => {
    const onPdu = (pdu: PDU) => {
      if (pdu.command !== command) return;
      received.push(pdu);
      if (received.length < count) return;
      session.off('pdu', onPdu);
      resolve(received);
    };
    session.on('pdu', onPdu);
  });
}

/** The next PDU named `command` the SMSC receives on `session`. */
function nextPdu(session: Session, command: string): Promise<PDU> {
  return new Promise((resolve) => {
    const onPdu = (pdu: PDU) => {
      if (pdu.command !== command) return;
      session.off('pdu', onPdu);
      resolve(pdu);
    };
    session.on('pdu', onPdu);
  });
}
