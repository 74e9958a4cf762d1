import type { PDU, Session } from 'smpp';
import { SmscSimulator, type SimulatorOptions, type SubmitAction } from '../../src/sim/smsc-simulator';
import { COMMAND_STATUS } from '../../src/smpp/command-status';

const { ESME_RINVPASWD, ESME_RMSGQFUL, ESME_RTHROTTLED } = COMMAND_STATUS;

/**
 * Named SMSC misbehaviours, after Jasmin's simulator family (HappySMSC, BlackHoleSMSC, ...).
 * The half-open link is not an SMSC behaviour but a network one: see startTcpProxy().
 */
export const behaviours = {
  happy: (): SimulatorOptions => ({}),
  'blackhole-bind': (): SimulatorOptions => ({ bind: 'ignore' }),
  'refuse-bind': (status: number = ESME_RINVPASWD): SimulatorOptions => ({ bind: 'refuse', bindRefuseStatus: status }),
  'no-submit-resp': (): SimulatorOptions => ({ onSubmit: () => ({ ignore: true }) }),
  'no-enquire-link-resp': (): SimulatorOptions => ({ answerEnquireLink: false }),
  slow: (delayMs: number): SimulatorOptions => ({ onSubmit: () => ({ delayMs }) }),
  'reject-all': (status: number): SimulatorOptions => ({ onSubmit: () => ({ status }) }),
  /** The first `count` submits are answered with `status`, the rest with ESME_ROK. */
  'fail-first': (count: number, status: number): SimulatorOptions => ({ onSubmit: (_s, n) => (n <= count ? { status } : {}) }),
  /** The first `count` submits get an unbind from the SMSC instead of an answer. */
  'unbind-on-submit': (count = 1): SimulatorOptions => ({ onSubmit: (_s, n) => (n <= count ? { unbind: true } : {}) }),
  /** Every submit is answered with generic_nack carrying `status`. */
  'generic-nack': (status: number): SimulatorOptions => ({ onSubmit: () => ({ nack: status }) }),
  /** ESME_RTHROTTLED for every submit during `stormMs` from the first submit, then ESME_ROK. */
  'throttle-burst': (stormMs: number): SimulatorOptions => {
    let stormEnds = 0;
    return {
      onSubmit: (submit) => {
        stormEnds ||= submit.receivedAt + stormMs;
        return submit.receivedAt < stormEnds ? { status: ESME_RTHROTTLED } : {};
      },
    };
  },
  /** The first `count` submits are answered ESME_RMSGQFUL. */
  'queue-full': (count: number): SimulatorOptions => ({ onSubmit: (_s, n) => (n <= count ? { status: ESME_RMSGQFUL } : {}) }),
  /** The first `count` submits are answered with a PDU header no client can accept (command_length 16 MiB). */
  'malformed-pdu': (count = 1): SimulatorOptions => ({ onSubmit: (_s, n) => (n <= count ? { malformed: 'too-long' } : {}) }),
  /** After Jasmin's CommandLengthTooShort: the first `count` submits get a header whose command_length (4) is shorter than the header. */
  'command-length-too-short': (count = 1): SimulatorOptions => ({ onSubmit: (_s, n) => (n <= count ? { malformed: 'too-short' } : {}) }),
  /** Every submit is accepted with a message_id of `length` characters, far over SMPP's 65 octets. */
  'oversized-message-id': (length = 3000): SimulatorOptions => ({ onSubmit: () => ({ messageId: 'X'.repeat(length) }) }),
} as const;

/** A PDU as the fake SMSC received it from the client. */
export interface HeardPdu {
  command: string;
  commandStatus: number;
  sequenceNumber: number;
}

/** Every PDU the client sends on `session` from now until the connection closes, in order. */
export function heardUntilClose(session: Session): Promise<HeardPdu[]> {
  const heard: HeardPdu[] = [];
  const hear = (pdu: PDU) => heard.push({ command: pdu.command, commandStatus: pdu.command_status, sequenceNumber: pdu.sequence_number });
  session.on('pdu', hear);
  return new Promise((resolve) =>
    session.socket.once('close', () => {
      session.off('pdu', hear);
      resolve(heard);
    }),
  );
}

/**
 * The next malformed header the fake SMSC writes (behaviours 'malformed-pdu' and
 * 'command-length-too-short'): which kind, and what the client sent on that connection after it,
 * up to its close.
 */
export function afterNextMalformed(smsc: SmscSimulator): Promise<{ kind: NonNullable<SubmitAction['malformed']>; heard: HeardPdu[] }> {
  return new Promise((resolve) => {
    smsc.once('malformed', (session: Session, kind: NonNullable<SubmitAction['malformed']>) => {
      void heardUntilClose(session).then((heard) => resolve({ kind, heard }));
    });
  });
}

/**
 * `pdu`'s octets followed by a message_state TLV (an integer of 1 octet) whose length says 1 but
 * whose value is missing: a header the client can use, a body npm smpp cannot decode.
 */
export function withTruncatedTlv(pdu: PDU): Buffer {
  const tlv = Buffer.from([0x04, 0x27, 0x00, 0x01]); // tag message_state, length 1, no value
  const bytes = Buffer.concat([pdu.toBuffer(), tlv]);
  bytes.writeUInt32BE(bytes.length, 0);
  return bytes;
}

export async function startFakeSmsc(options: SimulatorOptions = {}): Promise<{ smsc: SmscSimulator; url: string }> {
  const smsc = new SmscSimulator({ systemId: 'smsgw', password: 'secret12', ...options });
  const url = await smsc.start();
  return { smsc, url };
}

/** A loopback port nothing listens on (listen on 0, close, reuse the number). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
