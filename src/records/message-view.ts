import type { MessageRecord, MessageStatus } from '../store/message-store';

/** The public shape of a message record: the status API's answer and the callback's body. */
export interface MessageView {
  id: string;
  status: MessageStatus;
  segments: { smscMessageId: string | null; status: MessageStatus; error: string | null }[];
  smsc: string;
  /** ISO 8601, UTC. */
  submittedAt: string;
  updatedAt: string;
}

export function messageView(record: MessageRecord): MessageView {
  return {
    id: record.id,
    status: record.status,
    segments: record.segments.map(({ smscMessageId, status, error }) => ({ smscMessageId, status, error })),
    smsc: record.smsc,
    submittedAt: new Date(record.submittedAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}
