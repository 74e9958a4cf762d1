import { createMemoryStore } from './memory-store';
import type { MessageStore } from './message-store';
import { openSqliteStore, type StoreLog } from './sqlite-store';

export type StoreType = 'sqlite' | 'memory';

/** The store SMSGW_STORE names; sqlite keeps its file in the data directory. */
export function openMessageStore(type: StoreType, dataDir: string, log?: StoreLog): MessageStore {
  return type === 'memory' ? createMemoryStore() : openSqliteStore(dataDir, { log });
}
