import type { Logger } from '../log';
import type { SendTrace } from '../sms/sms-service';
import type { MessageStore } from '../store/message-store';
import type { Correlator } from './correlator';
import { recordFromParts } from './message-status';

export interface RecorderOptions {
  store: MessageStore;
  /** The correlator of each SMSC, by name: receipts are matched per SMSC. */
  correlators: ReadonlyMap<string, Correlator>;
  logger: Logger;
  /** A record could not be stored (disk full, I/O error). */
  onNotStored?(): void;
}

/**
 * Writes the record of an ExSign request whose sending began (a valid number and text): its
 * parts' SMSC ids, or why they were refused. Never throws: the SMS is already with the SMSC (or
 * refused), and the caller must get that answer even when the store is down.
 */
export function createMessageRecorder(opts: RecorderOptions) {
  return {
    async record(messageId: string, trace: SendTrace, submittedAt: number): Promise<void> {
      if (!trace.parts || trace.to === undefined || trace.smsc === undefined) return;
      const record = recordFromParts({
        id: messageId,
        smsc: trace.smsc,
        to: trace.to,
        numberHash: trace.numberHash ?? '',
        submittedAt,
        parts: trace.parts,
      });
      try {
        await opts.store.create(record);
      } catch (err) {
        opts.logger.error({ messageId, err: (err as Error).message }, 'message record not stored; its receipts will go unmatched');
        opts.onNotStored?.();
        return;
      }
      // Not awaited: early receipts are matched in the background, the ExSign answer does not wait.
      opts.correlators.get(record.smsc)?.onRecordCreated(record).catch((err: unknown) => {
        opts.logger.error({ messageId, err: (err as Error).message }, 'could not match held receipts to a new message record');
      });
    },
  };
}
