import type { CounterStore, WindowLimit } from '../store/counter-store';
import type { Refusal } from './destination-policy';

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
  key: (numberKey: string, prefixKey: string) => string;
  limit: number;
  windowMs: number;
  refusal: (retryAfterMs: number) => Refusal;
}

/**
 * The counted limits: per number (short window and day), per prefix, gateway-wide per minute and
 * per day. Store keys carry keyed hashes, never a number. A rule with a limit of 0 is off.
 */
export function createRateLimits(store: CounterStore, s: RateLimitSettings, hash: (value: string) => string) {
  const retry = (ms: number) => `retry in ${formatDuration(ms, 'ceil')}`;
  const allRules: Rule[] = [
    {
      key: (n) => `number:${n}`,
      limit: s.perNumber,
      windowMs: s.perNumberWindowMs,
      refusal: (ms) => ({
        code: 'NUMBER_RATE_LIMITED',
        message: `Too many messages to this number: at most ${s.perNumber} per ${formatDuration(s.perNumberWindowMs)}; ${retry(ms)}`,
      }),
    },
    {
      key: (n) => `number-day:${n}`,
      limit: s.perNumberDaily,
      windowMs: s.perNumberDailyWindowMs,
      refusal: (ms) => ({
        code: 'NUMBER_DAILY_LIMIT',
        message: `Too many messages to this number: at most ${s.perNumberDaily} per ${formatDuration(s.perNumberDailyWindowMs)}; ${retry(ms)}`,
      }),
    },
    {
      key: (_n, p) => `prefix:${p}`,
      limit: s.perPrefix,
      windowMs: s.perPrefixWindowMs,
      refusal: (ms) => ({
        code: 'PREFIX_RATE_LIMITED',
        message: `Too many messages to this number range (the number without its last ${PREFIX_HIDDEN_DIGITS} digits): at most ${s.perPrefix} per ${formatDuration(s.perPrefixWindowMs)}; ${retry(ms)}`,
      }),
    },
    {
      key: () => 'global',
      limit: s.global,
      windowMs: s.globalWindowMs,
      refusal: (ms) => ({
        code: 'GLOBAL_RATE_LIMITED',
        message: `Gateway-wide rate limit reached: at most ${s.global} messages per ${formatDuration(s.globalWindowMs)}; ${retry(ms)}`,
      }),
    },
    {
      key: () => 'budget',
      limit: s.dailyBudget,
      windowMs: s.dailyBudgetWindowMs,
      refusal: (ms) => ({
        code: 'DAILY_BUDGET_EXCEEDED',
        message: `Message budget exhausted: at most ${s.dailyBudget} messages per ${formatDuration(s.dailyBudgetWindowMs)}; ${retry(ms)}`,
      }),
    },
  ];
  const rules = allRules.filter((rule) => rule.limit > 0);

  return {
    /**
     * Counts one message to `e164` (whose keyed hash is `numberKey`) against every rule, atomically. Resolves with the refusal of the
     * first full rule (nothing counted), or with a release() that un-counts a message never sent.
     */
    async take(e164: string, numberKey: string, id: string, until?: number): Promise<{ refusal: Refusal } | { release: () => Promise<void> }> {
      const prefixKey = hash(e164.slice(0, -PREFIX_HIDDEN_DIGITS));
      const limits: WindowLimit[] = rules.map((rule) => ({ key: rule.key(numberKey, prefixKey), limit: rule.limit, windowMs: rule.windowMs }));
      const result = await store.take(limits, id, until);
      if (!result.ok) return { refusal: rules[result.refused]!.refusal(result.retryAfterMs) };
      return { release: () => store.release(limits.map((l) => l.key), id) };
    },
  };
}

/** 600000 → "10 min", 86400000 → "24 h"; 'ceil' rounds a wait up to whole seconds or minutes. */
export function formatDuration(ms: number, rounding: 'exact' | 'ceil' = 'exact'): string {
  if (rounding === 'ceil') return ms <= 120_000 ? `${Math.max(1, Math.ceil(ms / 1000))} s` : `${Math.ceil(ms / 60_000)} min`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
