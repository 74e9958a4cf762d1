import type { Config } from '../config/load-config';
import type { Logger } from '../log';
import { SmscSimulator } from './smsc-simulator';
import { simulatorOptions } from './simulator-switches';

/** The built-in SMSC simulator of the development profile, started and announced loudly. */
export async function startDevelopmentSimulator(config: Config, logger: Logger): Promise<{ simulator: SmscSimulator; url: string }> {
  const simulator = new SmscSimulator(simulatorOptions(config.simulator));
  const url = await simulator.start();
  logger.warn(
    { simulatorUrl: url, switches: config.simulator },
    '*** DEVELOPMENT PROFILE: built-in SMSC simulator in use. NO SMS LEAVES THIS MACHINE. Set NODE_ENV=production and SMSGW_SMSC_URL for a real carrier. ***',
  );
  return { simulator, url };
}
