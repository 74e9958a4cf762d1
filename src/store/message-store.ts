// What the gateway keeps about sent messages: one record per ExSign request, the SMSC ids of its
// parts, and receipts that arrived before their message was known. The interface is async and
// says nothing about SQL, so a shared store (Redis) can implement it for several instances.
// Records never hold the message text or the full phone number.
import type { FinalState, ReceiptStat } from '../dlr/receipt-stat';

/** accepted: the SMSC took every part and no final receipt has settled the message yet. */
export type MessageStatus = 'accepted' | 'delivered' | 'undeliverable' | 'expired' | 'rejected' | 'unknown';

export interface SegmentRecord {
  /** From submit_sm_resp; null when the part was not accepted, or came without a usable id. */
  smscMessageId: string | null;
  status: MessageStatus;
  /** The receipt's err, or why the submit failed (command_status or gateway error code). */
  error: string | null;
  /** Epoch ms of the part's submit_sm_resp ESME_ROK, for the receipt latency. */
  acceptedAt: number | null;
}

export interface MessageRecord {
  /** Our message id (X-Message-Id). */
  id: string;
  smsc: string;
  status: MessageStatus;
  /** maskNumber() of the destination. */
  to: string;
  /** Keyed HMAC of the E.164 destination (sms/number-hash.ts). */
  numberHash: string;
  segments: SegmentRecord[];
  /** Epoch ms. */
  submittedAt: number;
  updatedAt: number;
}

/** Where a submitted SMSC message id belongs. */
export interface SegmentRef {
  messageId: string;
  part: number;
  submittedAt: number;
}

/** What a receipt says, without its text (which echoes the OTP). */
export interface ReceiptUpdate {
  /** As received, not normalised. */
  smscMessageId: string;
  stat: ReceiptStat;
  state: FinalState;
  err: string | null;
  receivedAt: number;
}

/** A receipt that matched no message yet: it may have overtaken its submit_sm_resp. */
export interface HeldReceipt {
  smsc: string;
  receipt: ReceiptUpdate;
  /** The receipt id as it must equal a submitted id exactly. */
  exactKey: string;
  /** Forms that must equal canonicalId() of a submitted id; empty in exact mode. */
  canonicalKeys: string[];
  expiresAt: number;
}

export interface StoredHeldReceipt extends HeldReceipt {
  /** Assigned by the store. */
  id: string;
}

export type IdKind = 'exact' | 'canonical';

/**
 * Every write resolves once it is durable; a rejected promise means it was not stored.
 * Reads see every write made before them.
 */
export interface MessageStore {
  /** Stores a new record and indexes its segments' SMSC ids (exact and canonicalId()). */
  create(record: MessageRecord): Promise<void>;
  get(id: string): Promise<MessageRecord | undefined>;
  /**
   * Atomic read-modify-write: `change` gets a copy of the record and returns the new one, or
   * undefined to leave it as it is. Resolves with the stored record; undefined for an unknown id.
   */
  update(id: string, change: (record: MessageRecord) => MessageRecord | undefined): Promise<MessageRecord | undefined>;
  /** Segments whose SMSC id, as submitted (exact) or canonicalised, equals `key`. */
  findBySmscId(smsc: string, key: string, kind: IdKind): Promise<SegmentRef[]>;

  /** Resolves with the id the store gave the held receipt. */
  hold(receipt: HeldReceipt): Promise<string>;
  /** Held receipts that a newly submitted id could match: by exactKey, or by one of canonicalKeys. */
  findHeld(smsc: string, exactKey: string, canonicalKey: string): Promise<StoredHeldReceipt[]>;
  /** How many receipts are held (0: a new record needs no findHeld). May err high, never low. */
  heldReceiptCount(): number;
  release(id: string): Promise<void>;
  /** Removes and returns up to `limit` held receipts whose expiresAt is not after `now`. */
  expireHeld(now: number, limit: number): Promise<StoredHeldReceipt[]>;

  /** Deletes up to `limit` records submitted before `before`; resolves with how many. */
  purgeMessages(before: number, limit: number): Promise<number>;
  /** Finishes pending writes and releases the storage. */
  close(): Promise<void>;
}
