import { ConfigError, loadConfig, redactedConfig } from './config/load-config';
import { createLogger, setLogLevel, type Logger } from './log';
import { createGateway, type Gateway } from './app';

/** Process entry: config → gateway → signals. A second signal forces the exit. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    exitOnConfigError(err);
  }
  const logger = createLogger(config.log.level);
  logger.info({ config: redactedConfig(config) }, 'effective configuration');
  let signalled = false;
  // Registered at once: SIGHUP's default action would end the process.
  let onSighup = () => logger.warn('SIGHUP ignored: the gateway is starting');
  process.on('SIGHUP', () => onSighup());
  // Building the gateway reads what the settings point at (the number-hash key), which can be bad too.
  const gateway = await createGateway(config, logger).catch(exitOnConfigError);
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

  await gateway.start();
}

/** A bad setting ends the start with its one line on stderr and exit code 1; anything else is a crash. */
function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

/**
 * SIGHUP: the configuration is read again as at start-up (files, *_FILE secrets; the environment
 * of a running process does not change). An invalid one is refused in one log line and the
 * running one stays; what cannot change without a restart is named.
 */
function reload(gateway: Gateway, logger: Logger): void {
  let next;
  try {
    next = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    logger.error(`configuration reload refused, the running configuration stays: ${err.message}`);
    return;
  }
  const { reloadable, needRestart, warnings } = gateway.reload(next);
  // A more verbose level applies before the lines below and a quieter one after them, so they are
  // written if either level allows.
  const louder = logger.levels.values[next.log.level]! < logger.levelVal;
  if (louder) setLogLevel(logger, next.log.level);
  logger.info({ reloaded: reloadable }, reloadable.length > 0 ? `configuration reloaded: ${reloadable.join(', ')}` : 'configuration reloaded: no reloadable setting changed');
  if (needRestart.length > 0) logger.warn({ needRestart }, `changed settings need a restart and are not in effect: ${needRestart.join(', ')}`);
  for (const warning of warnings) logger.warn(warning);
  if (!louder) setLogLevel(logger, next.log.level);
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
