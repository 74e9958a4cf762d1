import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { HeldReceipt, MessageRecord, MessageStatus, MessageStore, ReceiptUpdate, SegmentRef, StoredHeldReceipt } from '../store/message-store';
import { canonicalId } from '../store/smsc-message-id';
import { idCandidates, type IdMatchMode } from './message-id';
import { applyReceipt, type ReceiptEffect } from '../records/message-status';

export interface CorrelatorOptions {
  store: MessageStore;
  smsc: string;
  mode: IdMatchMode;
  /** How long a receipt that matches nothing waits for its submit_sm_resp. */
  holdMs: number;
  /** Most receipts held at once (in the whole store); beyond it one that matches nothing is dropped. */
  holdMax: number;
  metrics: Metrics;
  logger: Logger;
  /** A receipt made a message final. Called after the change is stored; must not throw. */
  onSettled?(record: MessageRecord): void;
}

export type CorrelationResult =
  | { result: 'matched'; messageId: string; part: number; changed: boolean; status: MessageStatus }
  | { result: 'held' }
  | { result: 'dropped' }
  | { result: 'ambiguous'; candidates: number };

type Match = { ref: SegmentRef } | { ambiguous: SegmentRef[] } | undefined;

const newest = (refs: SegmentRef[]): SegmentRef => refs.reduce((a, b) => (b.submittedAt > a.submittedAt ? b : a));

function distinct(refs: SegmentRef[]): SegmentRef[] {
  const byKey = new Map(refs.map((ref) => [`${ref.messageId}/${ref.part}`, ref]));
  return [...byKey.values()];
}

/**
 * Matches receipts to message parts by SMSC message id alone, normalised per message-id.ts:
 * the exact id first (the newest record wins if an SMSC reused it), then case and leading
 * zeros, then hex/decimal conversion, each accepted only when it points at exactly one part.
 * A receipt matching nothing is held in the store, because on a separate receiver bind (or from a
 * hasty SMSC) it can overtake its submit_sm_resp; onRecordCreated picks it up.
 */
export function createCorrelator(opts: CorrelatorOptions) {
  const { store, smsc } = opts;
  const log = opts.logger.child({ smsc });
  let holdFull = false;

  /** A flood of receipts for unknown ids would otherwise fill the store for holdMs. */
  function mayHold(): boolean {
    const full = store.heldReceiptCount() >= opts.holdMax;
    if (full !== holdFull) {
      holdFull = full;
      if (full) log.warn({ holdMax: opts.holdMax }, 'early receipt hold full: receipts matching no message are dropped until it drains');
      else log.info('early receipt hold has room again');
    }
    return !full;
  }

  async function lookup(keys: string[]): Promise<SegmentRef[]> {
    const found: SegmentRef[] = [];
    for (const key of keys) found.push(...(await store.findBySmscId(smsc, key, 'canonical')));
    return distinct(found);
  }

  async function findSegment(receiptId: string): Promise<Match> {
    const [exact, ...others] = idCandidates(receiptId, opts.mode);
    if (exact === undefined) return undefined;
    const exactHits = await store.findBySmscId(smsc, exact, 'exact');
    if (exactHits.length > 0) return { ref: newest(exactHits) };
    if (opts.mode === 'exact') return undefined;
    const canonical = canonicalId(exact);
    for (const tier of [[canonical], others.filter((key) => key !== canonical)]) {
      const hits = await lookup(tier);
      if (hits.length === 1) return { ref: hits[0]! };
      if (hits.length > 1) return { ambiguous: hits };
    }
    return undefined;
  }

  async function apply(ref: SegmentRef, update: ReceiptUpdate): Promise<CorrelationResult | undefined> {
    let effect: ReceiptEffect | undefined;
    const stored = await store.update(ref.messageId, (record) => {
      effect = applyReceipt(record, ref.part, update);
      return effect?.record;
    });
    if (!stored) return undefined; // purged between the lookup and the update
    const segment = stored.segments[ref.part];
    if (effect && segment?.acceptedAt) {
      opts.metrics.dlrLatency.observe({ smsc }, Math.max(0, update.receivedAt - segment.acceptedAt) / 1000);
    }
    if (effect?.messageSettled) opts.onSettled?.(stored);
    return { result: 'matched', messageId: ref.messageId, part: ref.part, changed: effect !== undefined, status: stored.status };
  }

  /** Applies a held receipt if its message is now known (and releases it); it stays held otherwise. */
  async function settleHeld(held: StoredHeldReceipt): Promise<CorrelationResult | undefined> {
    const match = await findSegment(held.receipt.smscMessageId);
    if (!match || !('ref' in match)) return undefined;
    const applied = await apply(match.ref, held.receipt);
    await store.release(held.id);
    return applied;
  }

  return {
    /** Resolves once the receipt's effect (or the held receipt) is stored; rejects if it is not. */
    async onReceipt(update: ReceiptUpdate): Promise<CorrelationResult> {
      // A hasty SMSC writes the receipt right behind the submit_sm_resp, and the record is written
      // as that response settles, in the same turn: looking one turn later finds it at the first
      // query instead of after every fallback lookup and a trip through the held receipts.
      await new Promise(setImmediate);
      const match = await findSegment(update.smscMessageId);
      if (match && 'ref' in match) {
        const applied = await apply(match.ref, update);
        if (applied) return applied;
      } else if (match) {
        opts.metrics.dlrUnmatched.inc({ smsc });
        log.warn(
          { smscMessageId: update.smscMessageId, candidates: match.ambiguous.map((ref) => ref.messageId) },
          'delivery receipt id matches several messages after normalisation; not applied',
        );
        return { result: 'ambiguous', candidates: match.ambiguous.length };
      }

      if (!mayHold()) {
        opts.metrics.dlrEarlyReceiptsDropped.inc({ smsc });
        return { result: 'dropped' };
      }
      const [exactKey = update.smscMessageId, ...others] = idCandidates(update.smscMessageId, opts.mode);
      const canonicalKeys = opts.mode === 'exact' ? [] : [...new Set([canonicalId(exactKey), ...others])];
      const held: HeldReceipt = { smsc, receipt: update, exactKey, canonicalKeys, expiresAt: update.receivedAt + opts.holdMs };
      const id = await store.hold(held);
      // The message may have been recorded while we looked. onRecordCreated looks after storing the
      // record and we look again after storing the receipt, so one of the two sees the other.
      return (await settleHeld({ ...held, id })) ?? { result: 'held' };
    },

    /** Applies receipts held for the parts of a record just created. */
    async onRecordCreated(record: MessageRecord): Promise<void> {
      if (store.heldReceiptCount() === 0) return;
      for (const segment of record.segments) {
        if (segment.smscMessageId === null) continue;
        for (const held of await store.findHeld(record.smsc, segment.smscMessageId, canonicalId(segment.smscMessageId))) {
          const applied = await settleHeld(held);
          if (applied?.result === 'matched') {
            log.info({ smscMessageId: held.receipt.smscMessageId, messageId: applied.messageId, status: applied.status }, 'early delivery receipt matched its message');
          }
        }
      }
    },
  };
}

export type Correlator = ReturnType<typeof createCorrelator>;
