// How a message's status follows from its parts: pure functions shared by every store.
import { asFailure, type GatewayError } from '../errors';
import type { PartOutcome } from '../smpp/message-sender';
import { formatCommandStatus } from '../smpp/command-status';
import type { MessageRecord, MessageStatus, ReceiptUpdate, SegmentRecord } from '../store/message-store';

const ZEROS = /^0+$/;

/**
 * delivered once every part is; otherwise the first part that failed decides; else accepted.
 * A multipart OTP with one lost part is useless, so one failed part fails the message at once.
 */
export function aggregateStatus(segments: readonly SegmentRecord[]): MessageStatus {
  if (segments.every((segment) => segment.status === 'delivered')) return 'delivered';
  return segments.find((segment) => segment.status !== 'accepted' && segment.status !== 'delivered')?.status ?? 'accepted';
}

/** A part the SMSC refused is rejected; one whose fate is unknown (no response, link lost) is unknown. */
function failedSegment(error: GatewayError): SegmentRecord {
  const failure = asFailure(error);
  if (failure.kind === 'smsc-rejected') {
    return { smscMessageId: null, status: 'rejected', error: formatCommandStatus(failure.facts.commandStatus), acceptedAt: null };
  }
  const unknown = error.code === 'SMSC_TIMEOUT' || error.code === 'SMSC_LINK_LOST';
  return { smscMessageId: null, status: unknown ? 'unknown' : 'rejected', error: error.code, acceptedAt: null };
}

export interface NewRecord {
  id: string;
  smsc: string;
  to: string;
  numberHash: string;
  submittedAt: number;
  parts: readonly PartOutcome[];
}

/** The record of a request once every part has settled. An accepted part without an SMSC id (none sent, or too long) keeps null: nothing to match receipts with. */
export function recordFromParts(input: NewRecord): MessageRecord {
  const segments = input.parts.map((outcome): SegmentRecord =>
    'error' in outcome
      ? failedSegment(outcome.error)
      : { smscMessageId: outcome.smscMessageId || null, status: 'accepted', error: null, acceptedAt: outcome.at },
  );
  const updatedAt = Math.max(input.submittedAt, ...input.parts.map((outcome) => outcome.at));
  return {
    id: input.id,
    smsc: input.smsc,
    status: aggregateStatus(segments),
    to: input.to,
    numberHash: input.numberHash,
    segments,
    submittedAt: input.submittedAt,
    updatedAt,
  };
}

export interface ReceiptEffect {
  record: MessageRecord;
  /** The receipt settled the message. */
  messageSettled: boolean;
}

/**
 * Applies a receipt to one part. Returns undefined when nothing changes: an intermediate receipt
 * (ENROUTE, ACCEPTD), or a part already final (duplicates and late receipts never undo a final
 * state). A message that is final keeps its status even when later parts settle.
 */
export function applyReceipt(record: MessageRecord, part: number, update: ReceiptUpdate): ReceiptEffect | undefined {
  const segment = record.segments[part];
  const state = update.state;
  if (!segment || state === null || segment.status !== 'accepted') return undefined;
  // err 000 on a delivered part is "no error", not an error code.
  const error = update.err === null || ZEROS.test(update.err) ? null : update.err;
  const segments = record.segments.map((s, i): SegmentRecord => (i === part ? { ...s, status: state, error } : s));
  const status = aggregateStatus(segments);
  const messageSettled = record.status === 'accepted' && status !== 'accepted';
  return {
    record: {
      ...record,
      segments,
      status: messageSettled ? status : record.status,
      updatedAt: Math.max(record.updatedAt, update.receivedAt),
    },
    messageSettled,
  };
}
