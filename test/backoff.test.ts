import { backoffDelayMs } from '../src/backoff';

describe('backoffDelayMs', () => {
  it('doubles from the minimum, with half of each step random', () => {
    expect(backoffDelayMs(0, 500, 30000, () => 0)).toBe(250);
    expect(backoffDelayMs(0, 500, 30000, () => 1)).toBe(500);
    expect(backoffDelayMs(3, 500, 30000, () => 1)).toBe(4000);
    expect(backoffDelayMs(3, 500, 30000, () => 0)).toBe(2000);
  });

  it('is capped at the maximum, even after very many failures', () => {
    expect(backoffDelayMs(10, 500, 30000, () => 1)).toBe(30000);
    expect(backoffDelayMs(5000, 500, 30000, () => 0.5)).toBe(22500);
  });
});
