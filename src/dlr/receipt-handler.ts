import type { PDU } from 'smpp';
import type { Logger } from '../log';
import { dlrStatLabel, type Metrics } from '../metrics/metrics';
import { isReceiptPdu, parseReceipt, type ReceiptPduLike } from './parse-receipt';

export interface ReceiptHandlerOptions {
  smsc: string;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Answers every deliver_sm/data_sm. Receipts are parsed and logged by SMSC message id and state;
 * their text (which echoes the start of the OTP) and mobile-originated messages are never logged.
 */
export function createReceiptHandler(opts: ReceiptHandlerOptions) {
  const log = opts.logger.child({ smsc: opts.smsc });
  return {
    onDeliver(pdu: PDU): number {
      const fields = pdu as unknown as ReceiptPduLike;
      if (!isReceiptPdu(fields)) {
        log.info({ command: pdu.command }, 'mobile-originated message ignored (not a delivery receipt)');
        return 0;
      }
      const receipt = parseReceipt(fields);
      if (!receipt) {
        log.warn({ command: pdu.command }, 'delivery receipt could not be parsed');
        opts.metrics.dlrReceived.inc({ smsc: opts.smsc, stat: 'OTHER' });
        return 0;
      }
      opts.metrics.dlrReceived.inc({ smsc: opts.smsc, stat: dlrStatLabel(receipt.stat) });
      log.info({ smscMessageId: receipt.messageId, stat: receipt.stat, err: receipt.err, final: receipt.state }, 'delivery receipt');
      return 0;
    },
  };
}
