import type { Logger } from '../log';
import type { MessageFacts } from '../sms/sms-service';
import type { MessageRecord, MessageStore } from '../store/message-store';
import { recordFromParts } from './message-status';

export interface RecorderOptions {
  store: MessageStore;
  logger: Logger;
  /** A record was stored: receipts held for it can be matched now. Not awaited: the answer does not wait. */
  onStored?(record: MessageRecord): void;
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
    async record(messageId: string, message: MessageFacts, submittedAt: number): Promise<void> {
      if (!message.parts || message.to === undefined || message.smsc === undefined) return;
      const record = recordFromParts({
        id: messageId,
        smsc: message.smsc,
        to: message.to,
        numberHash: message.numberHash ?? '',
        submittedAt,
        parts: message.parts,
      });
      try {
        await opts.store.create(record);
      } catch (err) {
        opts.logger.error({ messageId, err: (err as Error).message }, 'message record not stored; its receipts will go unmatched');
        opts.onNotStored?.();
        return;
      }
      opts.onStored?.(record);
    },
  };
}
