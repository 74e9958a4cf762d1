import { ConfigError, loadConfig, redactedConfig } from './config/load-config';
import cluster from 'node:cluster';
import { createLogger } from './log';
import { createGateway } from './app';
import { runPrimary } from './cluster/primary';
import { runWorker } from './cluster/worker';
import { reload } from './reload';

/** Process entry: config → gateway (or SMSGW_WORKERS workers under a primary) → signals. A second signal forces the exit. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    exitOnConfigError(err);
  }
  const logger = createLogger(config.log.level);
  if (config.workers > 1) {
    if (cluster.isPrimary) {
      logger.info({ config: redactedConfig(config) }, 'effective configuration');
      return runPrimary(config, logger);
    }
    return runWorker(config, logger).catch(exitOnConfigError);
  }
  logger.info({ config: redactedConfig(config) }, 'effective configuration');
  let signalled = false;
  // Registered at once: SIGHUP's default action would end the process.
  let onSighup = () => logger.warn('SIGHUP ignored: the gateway is starting');
  process.on('SIGHUP', () => onSighup());
  const gateway = createGateway(config, logger);
  onSighup = () => (signalled ? logger.warn('SIGHUP ignored: the gateway is stopping') : reload(gateway, logger));

  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests, then unbinding');
    gateway.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await gateway.start();
  } catch (err) {
    if (signalled) return; // stopped while starting: the signal's stop() exits
    // Starting reads what the settings point at (the number-hash key, certificates), which can be bad too.
    await gateway.stop();
    exitOnConfigError(err);
  }
}

/** A bad setting ends the start with its one line on stderr and exit code 1; anything else is a crash. */
function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
