import type { Config } from '../config/load-config';
import { COMMAND_STATUS } from '../smpp/command-status';
import type { SimulatorOptions } from './smsc-simulator';

/**
 * The development simulator's failure switches (SMSGW_SIMULATOR_*) as simulator behaviour, so a
 * telecom engineer can rehearse a slow, throttling, link-dropping, refusing or hung SMSC locally.
 */
export function simulatorOptions(switches: Config['simulator']): SimulatorOptions {
  const { delayMs, throttleEvery, dropLinkEvery } = switches;
  return {
    receiptDelayMs: switches.receiptDelayMs,
    bind: switches.refuseBinds ? 'refuse' : 'accept',
    bindRefuseStatus: COMMAND_STATUS.ESME_RBINDFAIL,
    stopAnswering: switches.stopAnswering,
    onSubmit: (_submit, count) => {
      if (dropLinkEvery > 0 && count % dropLinkEvery === 0) return { drop: true };
      if (throttleEvery > 0 && count % throttleEvery === 0) return { status: COMMAND_STATUS.ESME_RTHROTTLED, delayMs };
      return { delayMs };
    },
  };
}
