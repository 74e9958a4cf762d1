import type { PDU } from 'smpp';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { COMMAND_STATUS } from '../smpp/command-status';
import type { Correlator } from './correlator';
import { readDeliver } from './parse-receipt';

export interface ReceiptHandlerOptions {
  smsc: string;
  logger: Logger;
  metrics: Metrics;
  correlator: Correlator;
}

/**
 * Answers every deliver_sm/data_sm. A receipt's command_status is decided only once its effect is
 * stored: a storage failure rejects, and the bind answers ESME_RX_T_APPN so the SMSC sends it
 * again. Receipts for unknown ids are answered ESME_ROK (the SMSC cannot do better either) and
 * counted. Receipt text (which echoes the start of the OTP) and mobile-originated messages are
 * never logged.
 */
export function createReceiptHandler(opts: ReceiptHandlerOptions) {
  const log = opts.logger.child({ smsc: opts.smsc });
  return {
    async onDeliver(pdu: PDU): Promise<number> {
      const content = readDeliver(pdu);
      if (content.kind === 'message') {
        log.info({ command: pdu.command }, 'mobile-originated message ignored (not a delivery receipt)');
        return COMMAND_STATUS.ESME_ROK;
      }
      if (content.kind === 'receipt-without-id') {
        log.warn({ command: pdu.command }, 'delivery receipt could not be parsed');
        opts.metrics.dlrReceived.inc({ smsc: opts.smsc, stat: 'OTHER' });
        return COMMAND_STATUS.ESME_ROK;
      }
      const { receipt } = content;
      const outcome = await opts.correlator
        .onReceipt({ smscMessageId: receipt.messageId, stat: receipt.stat, state: receipt.state, err: receipt.err, receivedAt: Date.now() })
        .catch((err: unknown) => {
          opts.metrics.storeWriteFailures.inc({ write: 'receipt' });
          throw err; // the bind answers ESME_RX_T_APPN: the SMSC sends the receipt again
        });
      // Counted once stored, so an SMSC resending after ESME_RX_T_APPN is not counted twice.
      opts.metrics.dlrReceived.inc({ smsc: opts.smsc, stat: receipt.stat });
      log.info(
        {
          smscMessageId: receipt.messageId,
          stat: receipt.stat,
          err: receipt.err,
          final: receipt.state,
          ...(outcome.result === 'matched' ? { messageId: outcome.messageId, part: outcome.part, status: outcome.status, changed: outcome.changed } : {}),
          correlation: outcome.result,
        },
        'delivery receipt',
      );
      return COMMAND_STATUS.ESME_ROK;
    },
  };
}
