import { canonicalId } from './smsc-message-id';
import type { HeldReceipt, IdKind, MessageRecord, MessageStore, SegmentRef, StoredHeldReceipt } from './message-store';

/**
 * Keeps everything in process memory: for tests and for deployments that accept losing records
 * on restart. Records are copied in and out so callers never share state with the store.
 */
export function createMemoryStore(): MessageStore {
  // Map order is creation order, close to submit order (a record is created when its request
  // ends), so purging stops at the first young record; a straggler goes in the next sweep.
  const messages = new Map<string, MessageRecord>();
  const idIndex = new Map<string, SegmentRef[]>();
  const held = new Map<string, StoredHeldReceipt>();
  const heldIndex = new Map<string, Set<string>>();
  let nextHeldId = 1;

  const indexKey = (smsc: string, kind: IdKind | 'held-exact' | 'held-canonical', key: string) => `${smsc}\u0000${kind}\u0000${key}`;

  function addTo<V>(map: Map<string, V[]>, key: string, value: V): void {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  }

  function heldKeys(receipt: HeldReceipt): string[] {
    return [
      indexKey(receipt.smsc, 'held-exact', receipt.exactKey),
      ...receipt.canonicalKeys.map((key) => indexKey(receipt.smsc, 'held-canonical', key)),
    ];
  }

  function removeHeld(id: string): StoredHeldReceipt | undefined {
    const receipt = held.get(id);
    if (!receipt) return undefined;
    held.delete(id);
    for (const key of heldKeys(receipt)) {
      const ids = heldIndex.get(key);
      ids?.delete(id);
      if (ids?.size === 0) heldIndex.delete(key);
    }
    return receipt;
  }

  function unindex(record: MessageRecord): void {
    record.segments.forEach((segment, part) => {
      if (segment.smscMessageId === null) return;
      for (const [kind, key] of [['exact', segment.smscMessageId], ['canonical', canonicalId(segment.smscMessageId)]] as const) {
        const k = indexKey(record.smsc, kind, key);
        const rest = (idIndex.get(k) ?? []).filter((ref) => !(ref.messageId === record.id && ref.part === part));
        if (rest.length > 0) idIndex.set(k, rest);
        else idIndex.delete(k);
      }
    });
  }

  return {
    async create(record) {
      if (messages.has(record.id)) throw new Error(`message ${record.id} already exists`);
      messages.set(record.id, structuredClone(record));
      record.segments.forEach((segment, part) => {
        if (segment.smscMessageId === null) return;
        const ref: SegmentRef = { messageId: record.id, part, submittedAt: record.submittedAt };
        addTo(idIndex, indexKey(record.smsc, 'exact', segment.smscMessageId), ref);
        addTo(idIndex, indexKey(record.smsc, 'canonical', canonicalId(segment.smscMessageId)), ref);
      });
    },

    async get(id) {
      const record = messages.get(id);
      return record && structuredClone(record);
    },

    async update(id, change) {
      const record = messages.get(id);
      if (!record) return undefined;
      const next = change(structuredClone(record));
      if (!next) return structuredClone(record);
      messages.set(id, structuredClone(next));
      return structuredClone(next);
    },

    async findBySmscId(smsc, key, kind) {
      return (idIndex.get(indexKey(smsc, kind, key)) ?? []).map((ref) => ({ ...ref }));
    },

    async hold(receipt) {
      const id = String(nextHeldId++);
      held.set(id, { ...structuredClone(receipt), id });
      for (const key of heldKeys(receipt)) {
        const ids = heldIndex.get(key) ?? new Set<string>();
        ids.add(id);
        heldIndex.set(key, ids);
      }
      return id;
    },

    heldReceiptCount() {
      return held.size;
    },

    async findHeld(smsc, exactKey, canonicalKey) {
      const ids = new Set([
        ...(heldIndex.get(indexKey(smsc, 'held-exact', exactKey)) ?? []),
        ...(heldIndex.get(indexKey(smsc, 'held-canonical', canonicalKey)) ?? []),
      ]);
      return [...ids].map((id) => structuredClone(held.get(id)!));
    },

    async release(id) {
      removeHeld(id);
    },

    async expireHeld(now, limit) {
      const expired: StoredHeldReceipt[] = [];
      for (const [id, receipt] of held) {
        if (expired.length >= limit) break;
        if (receipt.expiresAt <= now) expired.push(removeHeld(id)!);
      }
      return expired;
    },

    async purgeMessages(before, limit) {
      let removed = 0;
      for (const record of messages.values()) {
        if (removed >= limit || record.submittedAt >= before) break;
        messages.delete(record.id);
        unindex(record);
        removed++;
      }
      return removed;
    },

    async close() {
      messages.clear();
      idIndex.clear();
      held.clear();
      heldIndex.clear();
    },
  };
}
