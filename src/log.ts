import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * JSON logs. Redaction is a second line of defence: code never passes message text, tokens,
 * passwords or full numbers to the logger in the first place.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'smsgw' },
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'MessageText', '*.MessageText'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
