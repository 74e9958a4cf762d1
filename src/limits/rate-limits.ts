import { GatewayError, type RateLimitCode } from '../errors';
import type { CounterStore, WindowLimit } from '../store/counter-store';

export interface RateLimitSettings {
  perNumber: number;
  perNumberWindowMs: number;
  perNumberDaily: number;
  perNumberDailyWindowMs: number;
  perPrefix: number;
  perPrefixWindowMs: number;
  global: number;
  globalWindowMs: number;
  dailyBudget: number;
  dailyBudgetWindowMs: number;
}

/** Digits dropped from a number to form its prefix: a pumping run walks the last few digits of one range. */
const PREFIX_HIDDEN_DIGITS = 4;

interface Rule {
  code: RateLimitCode;
  key: (numberKey: string, prefixKey: string) => string;
  limit: number;
  windowMs: number;
}

/**
 * The counted limits: per number (short window and day), per prefix, gateway-wide per minute and
 * per day. Store keys carry keyed hashes, never a number. A rule with a limit of 0 is off.
 */
export function createRateLimits(store: CounterStore, s: RateLimitSettings, hash: (value: string) => string) {
  const allRules: Rule[] = [
    { code: 'NUMBER_RATE_LIMITED', key: (n) => `number:${n}`, limit: s.perNumber, windowMs: s.perNumberWindowMs },
    { code: 'NUMBER_DAILY_LIMIT', key: (n) => `number-day:${n}`, limit: s.perNumberDaily, windowMs: s.perNumberDailyWindowMs },
    { code: 'PREFIX_RATE_LIMITED', key: (_n, p) => `prefix:${p}`, limit: s.perPrefix, windowMs: s.perPrefixWindowMs },
    { code: 'GLOBAL_RATE_LIMITED', key: () => 'global', limit: s.global, windowMs: s.globalWindowMs },
    { code: 'DAILY_BUDGET_EXCEEDED', key: () => 'budget', limit: s.dailyBudget, windowMs: s.dailyBudgetWindowMs },
  ];
  const rules = allRules.filter((rule) => rule.limit > 0);

  return {
    /**
     * Counts one message to `e164` (whose keyed hash is `numberKey`) against every rule, atomically. Resolves with the refusal of the
     * first full rule (nothing counted), or with a release() that un-counts a message never sent.
     */
    async take(e164: string, numberKey: string, id: string, until?: number): Promise<{ refusal: GatewayError<'rate-limited'> } | { release: () => Promise<void> }> {
      const prefixKey = hash(e164.slice(0, -PREFIX_HIDDEN_DIGITS));
      const limits: WindowLimit[] = rules.map((rule) => ({ key: rule.key(numberKey, prefixKey), limit: rule.limit, windowMs: rule.windowMs }));
      const result = await store.take(limits, id, until);
      if (!result.ok) {
        const rule = rules[result.refused]!;
        const hiddenDigits = rule.code === 'PREFIX_RATE_LIMITED' ? PREFIX_HIDDEN_DIGITS : 0;
        return { refusal: new GatewayError('rate-limited', { code: rule.code, limit: rule.limit, windowMs: rule.windowMs, retryAfterMs: result.retryAfterMs, hiddenDigits }) };
      }
      return { release: () => store.release(limits.map((l) => l.key), id) };
    },
  };
}
