import { newMessageId } from '../../src/sms/new-message-id';

describe('newMessageId', () => {
  it('is a UUIDv7 carrying the time in its first 48 bits', () => {
    const now = Date.UTC(2026, 0, 5, 10, 0, 0, 123);
    const id = newMessageId(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('sorts by creation time and never repeats', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => newMessageId(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10000 }, () => newMessageId(1_700_000_000_000))).size).toBe(10000);
  });
});
