import { notBound, responseTimeout, smscRejected } from '../../src/errors';
import { aggregateStatus, applyReceipt, recordFromParts } from '../../src/records/message-status';
import type { FinalState } from '../../src/dlr/parse-receipt';
import type { PartOutcome } from '../../src/smpp/message-sender';
import type { MessageRecord, ReceiptUpdate, SegmentRecord } from '../../src/store/message-store';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

function record(ids: string[]): MessageRecord {
  return recordFromParts({
    id: 'msg-1',
    smsc: 'default',
    to: '+4479****3456',
    numberHash: 'h',
    submittedAt: T0,
    parts: ids.map((smscMessageId, i) => ({ smscMessageId, at: T0 + 10 + i })),
  });
}

/** The record of a message whose parts ended as `parts` say. */
const recordOf = (parts: PartOutcome[]): MessageRecord => recordFromParts({ id: 'm', smsc: 's', to: 't', numberHash: 'h', submittedAt: T0, parts });

function receipt(state: FinalState, err: string | null = '000', receivedAt = T0 + 5000): ReceiptUpdate {
  return { smscMessageId: 'x', stat: state === 'delivered' ? 'DELIVRD' : state === null ? 'ENROUTE' : 'UNDELIV', state, err, receivedAt };
}

const seg = (status: SegmentRecord['status']): SegmentRecord => ({ smscMessageId: 'a', status, error: null, acceptedAt: T0 });

describe('recordFromParts', () => {
  it('makes an accepted record with each part id and its accept time', () => {
    const r = record(['A1', 'A2']);
    expect(r).toEqual<MessageRecord>({
      id: 'msg-1',
      smsc: 'default',
      status: 'accepted',
      to: '+4479****3456',
      numberHash: 'h',
      segments: [
        { smscMessageId: 'A1', status: 'accepted', error: null, acceptedAt: T0 + 10 },
        { smscMessageId: 'A2', status: 'accepted', error: null, acceptedAt: T0 + 11 },
      ],
      submittedAt: T0,
      updatedAt: T0 + 11,
    });
  });

  it('records a refused part as rejected with its command_status, and the message as rejected', () => {
    const r = recordOf([
      { smscMessageId: 'A1', at: T0 + 1 },
      { error: smscRejected(0x0b), at: T0 + 2 },
    ]);
    expect(r.status).toBe('rejected');
    expect(r.segments[1]).toEqual({ smscMessageId: null, status: 'rejected', error: 'ESME_RINVDSTADR (0x0B)', acceptedAt: null });
    expect(r.segments[0]!.status).toBe('accepted');
  });

  it('records a part whose fate is unknown (timeout, link lost) as unknown', () => {
    const r = recordOf([{ error: responseTimeout(100), at: T0 + 1 }]);
    expect(r.status).toBe('unknown');
    expect(r.segments[0]).toMatchObject({ status: 'unknown', error: 'SMSC_TIMEOUT' });
  });

  it('records a part never sent (not bound) as rejected with the gateway code', () => {
    const r = recordOf([{ error: notBound(), at: T0 }]);
    expect(r.segments[0]).toMatchObject({ status: 'rejected', error: 'SMSC_NOT_BOUND' });
  });
});

describe('aggregateStatus', () => {
  it.each([
    [['delivered', 'delivered', 'delivered'], 'delivered'],
    [['delivered', 'accepted', 'delivered'], 'accepted'],
    [['delivered', 'expired', 'accepted'], 'expired'],
    [['accepted', 'undeliverable', 'rejected'], 'undeliverable'],
    [['accepted'], 'accepted'],
  ] as const)('%j → %s', (statuses, expected) => {
    expect(aggregateStatus(statuses.map(seg))).toBe(expected);
  });
});

describe('applyReceipt', () => {
  it('settles a single-part message as delivered, dropping an all-zero err', () => {
    const effect = applyReceipt(record(['A1']), 0, receipt('delivered', '000'));
    expect(effect).toMatchObject({ messageSettled: true });
    expect(effect!.record.status).toBe('delivered');
    expect(effect!.record.segments[0]).toMatchObject({ status: 'delivered', error: null });
    expect(effect!.record.updatedAt).toBe(T0 + 5000);
  });

  it('keeps a non-zero err', () => {
    const effect = applyReceipt(record(['A1']), 0, receipt('undeliverable', '0x1b'));
    expect(effect!.record.segments[0]).toMatchObject({ status: 'undeliverable', error: '0x1b' });
    expect(effect!.record.status).toBe('undeliverable');
  });

  it('delivers a 3-part message only when all three parts are delivered', () => {
    let r = record(['A1', 'A2', 'A3']);
    for (const part of [2, 0]) {
      const effect = applyReceipt(r, part, receipt('delivered'))!;
      expect(effect.messageSettled).toBe(false);
      r = effect.record;
      expect(r.status).toBe('accepted');
    }
    const last = applyReceipt(r, 1, receipt('delivered'))!;
    expect(last.messageSettled).toBe(true);
    expect(last.record.status).toBe('delivered');
  });

  it('fails a multipart message as soon as one part fails, and keeps that status', () => {
    let r = record(['A1', 'A2']);
    const failed = applyReceipt(r, 1, receipt('expired'))!;
    expect(failed.messageSettled).toBe(true);
    r = failed.record;
    expect(r.status).toBe('expired');
    const later = applyReceipt(r, 0, receipt('delivered'))!;
    expect(later.messageSettled).toBe(false);
    expect(later.record.status).toBe('expired');
    expect(later.record.segments[0]!.status).toBe('delivered');
  });

  it('ignores intermediate receipts', () => {
    expect(applyReceipt(record(['A1']), 0, receipt(null))).toBeUndefined();
  });

  it('never moves a final part: duplicates and late contradicting receipts change nothing', () => {
    const delivered = applyReceipt(record(['A1']), 0, receipt('delivered'))!.record;
    expect(applyReceipt(delivered, 0, receipt('delivered'))).toBeUndefined();
    expect(applyReceipt(delivered, 0, receipt('undeliverable', '001'))).toBeUndefined();
    expect(applyReceipt(delivered, 0, receipt(null))).toBeUndefined();
  });

  it('ignores a part number the record does not have', () => {
    expect(applyReceipt(record(['A1']), 3, receipt('delivered'))).toBeUndefined();
  });

  it('does not modify the record it was given', () => {
    const r = record(['A1']);
    const copy = structuredClone(r);
    applyReceipt(r, 0, receipt('delivered'));
    expect(r).toEqual(copy);
  });
});
