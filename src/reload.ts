import type { Gateway } from './app';
import { ConfigError, loadConfig } from './config/load-config';
import { setLogLevel, type Logger } from './log';

/**
 * SIGHUP: the configuration is read again as at start-up (files, *_FILE secrets; the environment
 * of a running process does not change). An invalid one is refused in one log line and the
 * running one stays; what cannot change without a restart is named.
 */
export function reload(gateway: Gateway, logger: Logger): void {
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
