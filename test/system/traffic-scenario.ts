// A fixed traffic plan for the observability system test: successes (single and multipart, GSM
// and UCS-2), SMSC rejections, throttling, a response past the timeout, client errors, receipts,
// a link drop and a dead keep-alive. The fake SMSC keeps its own tally of what it answered and
// acknowledged, so the gateway's counters can be checked against the other side of the wire.
import nodemailer from 'nodemailer';
import { PDU, type Session } from 'smpp';
import type { SimulatorOptions, SmscSimulator } from '../../src/sim/smsc-simulator';
import type { CloseReason } from '../../src/smpp/smpp-bind';
import { COMMAND_STATUS, commandStatusName } from '../../src/smpp/command-status';
import { sms, tokenHeader, waitFor, type TestGateway } from '../support/gateway';

const { ESME_RINVDSTADR, ESME_ROK, ESME_RTHROTTLED } = COMMAND_STATUS;

/** GB mobiles, none of them the gateway's own example number (+447400123456); the fake SMSC answers by destination. */
export const NUMBERS = {
  ok: '+447400123460',
  rejected: '+447400123457',
  /** Every odd submit_sm to it is answered ESME_RTHROTTLED, every even one ESME_ROK. */
  throttled: '+447400123458',
  /** Answered ESME_ROK, but only after twice the gateway's response timeout. */
  slow: '+447400123459',
} as const;

/** What the plan below must produce; the counts follow from the messages it sends. */
export const PLAN = {
  httpOutcomes: { success: 27, smsc_rejected: 3, smsc_timeout: 1, auth_invalid: 1, invalid_number: 1 },
  httpRequests: 33,
  /** Mails sent through the SMTP listener (sendMails), one part each. */
  mails: 2,
  /** Segments of the successful messages: 24 × 1 part, 2 × 2 parts, 1 × 3 parts (UCS-2), and the 2 mails. */
  segments: { count: 29, sum: 33, cumulative: { '1': 26, '2': 28, '3': 29 } },
  /** Receipts the test sends by hand, beyond the simulator's DELIVRD ones. */
  extraReceipts: { UNDELIV: 1 },
  closeReasons: ['link-lost', 'enquire-link-timeout'] as CloseReason[],
};

const RECEIPT_DELAY_MS = 50;
const GSM_TWO_PARTS = `Your ExSign code is 482913. ${'Do not share it with anyone. '.repeat(6)}`.slice(0, 200);
const UCS2_THREE_PARTS = 'Ваш код ExSign: 482913. Никому его не сообщайте. '.repeat(4).slice(0, 150);

/** The fake SMSC's side of the story, counted where the PDUs are written and read. */
export interface SmscTally {
  /** submit_sm_resp sent, by command_status name. */
  answers: Record<string, number>;
  /** ESME_ROK answers sent after the gateway's response timeout had passed. */
  lateAnswers: number;
  /** deliver_sm_resp received with ESME_ROK. */
  receiptAcks: number;
}

export interface PostRecord {
  number: string;
  messageId: string | null;
  isSuccess: boolean;
}

export function scriptedSmsc(responseTimeoutMs: number): { options: SimulatorOptions; tally: SmscTally; watch(smsc: SmscSimulator): void } {
  const tally: SmscTally = { answers: {}, lateAnswers: 0, receiptAcks: 0 };
  const perDestination = new Map<string, number>();
  const answer = (status: number) => {
    const name = commandStatusName(status);
    tally.answers[name] = (tally.answers[name] ?? 0) + 1;
  };
  const options: SimulatorOptions = {
    receiptDelayMs: RECEIPT_DELAY_MS,
    onSubmit(submit) {
      const n = (perDestination.get(submit.destinationAddr) ?? 0) + 1;
      perDestination.set(submit.destinationAddr, n);
      switch (`+${submit.destinationAddr}`) {
        case NUMBERS.rejected:
          answer(ESME_RINVDSTADR);
          return { status: ESME_RINVDSTADR };
        case NUMBERS.throttled:
          if (n % 2 === 1) {
            answer(ESME_RTHROTTLED);
            return { status: ESME_RTHROTTLED };
          }
          break;
        case NUMBERS.slow:
          answer(ESME_ROK);
          tally.lateAnswers++;
          return { delayMs: responseTimeoutMs * 2 };
      }
      answer(ESME_ROK);
      return {};
    },
  };
  const watch = (smsc: SmscSimulator) =>
    smsc.on('session', (session: Session) =>
      session.on('pdu', (pdu: PDU) => {
        if (pdu.command === 'deliver_sm_resp' && pdu.command_status === ESME_ROK) tally.receiptAcks++;
      }),
    );
  return { options, tally, watch };
}

/** Runs the plan; resolves once every answer, receipt and reconnect has happened. */
export async function driveTraffic(
  gw: TestGateway,
  smsc: SmscSimulator,
  tally: SmscTally,
  hooks: { afterFirstRejection?: () => Promise<void> } = {},
): Promise<PostRecord[]> {
  const bind = gw.gateway.smsc.binds[0]!; // the one session of the default SMSC
  const closes: CloseReason[] = [];
  bind.on('closed', (reason: CloseReason) => closes.push(reason));
  const posts: PostRecord[] = [];
  const post = async (number: string, text: string, headers?: Record<string, string>) => {
    const res = await gw.post(sms(text, number), headers);
    posts.push({ number, messageId: res.headers.get('x-message-id'), isSuccess: res.json.IsSuccess });
  };
  const allReceiptsAcked = () => tally.receiptAcks === (tally.answers.ESME_ROK ?? 0) + PLAN.extraReceipts.UNDELIV;
  // Fails fast, and says why, if the link goes down before the plan takes it down.
  const noSessionEndYet = () => {
    if (closes.length > 0) throw new Error(`session ended before the planned link drop: ${closes.join()} (${bind.lastFailureReason})`);
    return true;
  };

  await waitFor(() => noSessionEndYet() && bind.state === 'bound', 'first bind', 5000);
  for (let batch = 0; batch < 4; batch++) {
    await Promise.all(Array.from({ length: 5 }, (_, i) => post(NUMBERS.ok, `Your ExSign code is ${100000 + batch * 5 + i}`)));
  }
  await post(NUMBERS.ok, GSM_TWO_PARTS);
  await post(NUMBERS.ok, GSM_TWO_PARTS);
  await post(NUMBERS.ok, UCS2_THREE_PARTS);
  await post(NUMBERS.rejected, 'Your ExSign code is 200000');
  // The first ESME_RINVDSTADR creates its series at 1, which rate() cannot see as an increase;
  // a scraper gets the chance to record it before the next two, as with any real carrier.
  await hooks.afterFirstRejection?.();
  for (let i = 1; i < 3; i++) await post(NUMBERS.rejected, `Your ExSign code is ${200000 + i}`);
  // One at a time: the odd/even answer pattern relies on each message's retry following its first try.
  for (let i = 0; i < 2; i++) await post(NUMBERS.throttled, `Your ExSign code is ${300000 + i}`);
  await post(NUMBERS.slow, 'Your ExSign code is 400000');
  await post(NUMBERS.ok, 'Your ExSign code is 500000', { authorization: tokenHeader('not-the-token') });
  await post('+44123', 'Your ExSign code is 500001');

  // A final failure the simulator never produces, for an id nobody sent.
  smsc.sendToAll(
    new PDU('deliver_sm', {
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: NUMBERS.ok.slice(1),
      destination_addr: 'ExSign',
      esm_class: 0x04,
      short_message: Buffer.from('id:DEAD0001 sub:001 dlvrd:000 submit date:2501011200 done date:2501011201 stat:UNDELIV err:001 text:', 'latin1'),
      receipted_message_id: 'DEAD0001',
      message_state: 5, // UNDELIVERABLE
    }),
  );
  // The late answer and every receipt must be in before the link goes, or they would be lost.
  await waitFor(() => noSessionEndYet() && allReceiptsAcked(), 'every receipt acknowledged before the link drop', 5000);

  smsc.dropConnections();
  await waitFor(() => closes.length === 1 && bind.state === 'bound', 'rebind after the link drop', 5000);
  smsc.configure({ answerEnquireLink: false });
  await waitFor(() => closes.length === 2, 'enquire_link timeout', 5000);
  smsc.configure({ answerEnquireLink: true });
  await waitFor(() => bind.state === 'bound', 'rebind after the enquire_link timeout', 5000);

  for (let i = 0; i < 2; i++) await post(NUMBERS.ok, `Your ExSign code is ${600000 + i}`);
  await waitFor(allReceiptsAcked, 'receipts after the rebind', 5000);
  if (closes.join() !== PLAN.closeReasons.join()) throw new Error(`unexpected session ends: ${closes.join()}`);
  return posts;
}

/** PLAN.mails one-part mails to NUMBERS.ok through the gateway's SMTP listener (nodemailer); the 250 lines. */
export async function sendMails(gw: TestGateway): Promise<string[]> {
  const { hostname, port } = new URL(gw.gateway.smtpUrl()!);
  const transport = nodemailer.createTransport({ host: hostname, port: Number(port), secure: false, ignoreTLS: true });
  try {
    const replies: string[] = [];
    for (let i = 1; i <= PLAN.mails; i++) {
      const info = await transport.sendMail({ from: 'monitor@example.net', to: `${NUMBERS.ok}@sms.example.com`, subject: 'alert', text: `Alert ${i}: disk full` });
      replies.push(info.response);
    }
    return replies;
  } finally {
    transport.close();
  }
}
