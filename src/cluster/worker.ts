import { createGateway } from '../app';
import type { Config } from '../config/load-config';
import type { Logger } from '../log';
import { reload } from '../reload';
import { WORKER_INDEX_ENV, WORKER_SIMULATOR_ENV, type FromWorker, type ToWorker } from './messages';

const send = (message: FromWorker) => process.send?.(message);

/**
 * One node:cluster worker: a whole gateway with its share of the SMPP sessions, on the ports the
 * primary shares. SIGHUP (passed on by the primary) reloads its configuration as in a single process. It stops (draining, then unbinding) when the primary says so, on SIGTERM/SIGINT
 * (a terminal's Ctrl-C reaches every process of the group), or when the primary is gone; the
 * primary alone decides to force an exit.
 */
export async function runWorker(config: Config, logger: Logger): Promise<void> {
  const index = Number(process.env[WORKER_INDEX_ENV]);
  const log = logger.child({ worker: index });
  // Registered at once: SIGHUP's default action would end the process. The primary passes its SIGHUP on.
  let onSighup = () => log.warn('SIGHUP ignored: the worker is starting');
  process.on('SIGHUP', () => onSighup());
  const gateway = createGateway(config, log, { worker: { index, count: config.workers }, simulatorUrl: process.env[WORKER_SIMULATOR_ENV] });

  let stopping = false;
  onSighup = () => (stopping ? log.warn('SIGHUP ignored: the worker is stopping') : reload(gateway, log));
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, 'worker stopping: draining in-flight requests, then unbinding');
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('message', (message: ToWorker) => {
    if (message.type === 'smsgw:stop') stop('asked by the primary');
    else if (message.type === 'smsgw:metrics') {
      void gateway.collectMetrics().then((metrics) => send({ type: 'smsgw:metrics', id: message.id, metrics }));
    }
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('disconnect', () => stop('the primary is gone'));

  try {
    await gateway.start();
  } catch (err) {
    if (stopping) return; // stopped while starting: that stop() exits
    await gateway.stop();
    throw err;
  }
  send({ type: 'smsgw:ready' });
}
