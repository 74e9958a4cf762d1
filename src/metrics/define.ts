import { Counter, Gauge, Histogram, type Aggregator, type Registry } from 'prom-client';

interface Extra {
  /** How the primary combines its workers' values (prom-client's aggregation); sum by default. */
  aggregator?: Aggregator;
}

/** The three metric types, registered in `registers` (none: defined, never exported). */
export function defineIn(registers: Registry[]) {
  return {
    counter: <L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], extra: Extra = {}) => new Counter<L>({ name, help, labelNames, registers, ...extra }),
    gauge: <L extends string = never>(name: string, help: string, labelNames: readonly L[] = [], extra: Extra = {}) => new Gauge<L>({ name, help, labelNames, registers, ...extra }),
    histogram: <L extends string = never>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) => new Histogram<L>({ name, help, buckets, labelNames, registers }),
  };
}
