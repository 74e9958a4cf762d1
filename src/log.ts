import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Every child made from a logger of createLogger(), so a new level reaches them all (pino's children keep their own). */
const childrenOf = new WeakMap<Logger, Set<WeakRef<Logger>>>();

/**
 * JSON logs. Redaction is a second line of defence: code never passes message text, tokens,
 * passwords or full numbers to the logger in the first place.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const children = new Set<WeakRef<Logger>>();
  const logger = pino(
    {
      level,
      base: { service: 'smsgw' },
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'MessageText', '*.MessageText'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      onChild: (child) => children.add(new WeakRef(child)),
    },
    destination,
  );
  childrenOf.set(logger, children);
  return logger;
}

/** Changes the level of `logger` and of every child logger made from it, at run time. */
export function setLogLevel(logger: Logger, level: string): void {
  logger.level = level;
  const children = childrenOf.get(logger);
  for (const ref of children ?? []) {
    const child = ref.deref();
    if (child) child.level = level;
    else children!.delete(ref);
  }
}
