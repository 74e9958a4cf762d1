import type { SmscSettings } from '../config/smsc-settings';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import { commandStatusLabel, SUBMIT_LOCAL_ERROR, SUBMIT_TIMEOUT } from '../metrics/smpp-metrics';
import type { SmsTarget } from '../sms/sms-service';
import { sourceAddress } from '../sms/source-address';
import { createMessageSender } from './message-sender';
import type { SmscClient } from './smsc-client';
import { relativeValidityPeriod } from './validity-period';

/** One SMSC as the SMS service sees it: its sender, data_coding and error policy, with submit metrics. */
export function createSmsTarget(s: SmscSettings, client: SmscClient, metrics: Metrics, logger: Logger): SmsTarget {
  const sender = createMessageSender({
    submit: client.submit,
    source: sourceAddress(s.sourceAddr, s.sourceTon, s.sourceNpi),
    destTon: s.destTon,
    destNpi: s.destNpi,
    registeredDelivery: s.registeredDelivery,
    validityPeriod: relativeValidityPeriod(s.validityS),
    retryBaseDelayMs: s.retryBaseDelayMs,
    errorPolicy: client.errorPolicy,
    onSubmitOutcome({ commandStatus, error, durationMs }) {
      const label = commandStatus !== undefined ? commandStatusLabel(commandStatus) : error?.code === 'SMSC_TIMEOUT' ? SUBMIT_TIMEOUT : SUBMIT_LOCAL_ERROR;
      metrics.submitSm.inc({ smsc: s.name, command_status: label });
      if (commandStatus !== undefined) {
        metrics.submitSmDuration.observe({ smsc: s.name }, durationMs / 1000);
        if (commandStatus === 0) metrics.lastSubmitSuccess.set({ smsc: s.name }, Date.now() / 1000);
      }
    },
    onResend(error) {
      logger.warn({ smsc: s.name, reason: error.kind }, 'resending a submit_sm whose outcome is unknown (once, on a healthy bind)');
    },
  });
  return { name: s.name, gsmDataCoding: s.dataCoding, send: sender.send };
}
