import { reconnectDelayMs } from '../../src/smpp/backoff';

describe('reconnectDelayMs', () => {
  it('doubles from the minimum, with half of each step random', () => {
    expect(reconnectDelayMs(0, 500, 30000, () => 0)).toBe(250);
    expect(reconnectDelayMs(0, 500, 30000, () => 1)).toBe(500);
    expect(reconnectDelayMs(3, 500, 30000, () => 1)).toBe(4000);
    expect(reconnectDelayMs(3, 500, 30000, () => 0)).toBe(2000);
  });

  it('is capped at the maximum, even after very many failures', () => {
    expect(reconnectDelayMs(10, 500, 30000, () => 1)).toBe(30000);
    expect(reconnectDelayMs(5000, 500, 30000, () => 0.5)).toBe(22500);
  });
});
