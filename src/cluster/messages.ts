import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/** Environment the primary gives each worker: its index, and the development simulator's URL. */
export const WORKER_INDEX_ENV = 'SMSGW_WORKER_INDEX';
export const WORKER_SIMULATOR_ENV = 'SMSGW_WORKER_SIMULATOR_URL';

/** IPC from the primary: report your metrics; drain and stop. */
export type ToWorker = { type: 'smsgw:metrics'; id: number } | { type: 'smsgw:stop' };

/** IPC to the primary: listening; here are my metrics. */
export type FromWorker = { type: 'smsgw:ready' } | { type: 'smsgw:metrics'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] };
