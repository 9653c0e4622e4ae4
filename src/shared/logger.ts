import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `destination` is for tests that read what was logged; it replaces stdout (and pretty printing). */
export function createLogger(level: string, pretty = process.stdout.isTTY === true, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: {
      paths: [
        '*.mobile',
        '*.birthday',
        '*.text',
        'authorization',
        '*.authorization',
        '*.Authorization',
        'req.headers.authorization',
        '*.headers.authorization',
        '*.headers.Authorization',
        // HTTP client errors (axios) carry the request's headers under config.
        'err.config.headers.authorization',
        'err.config.headers.Authorization',
      ],
      censor: '[redacted]',
    },
    ...(pretty && !destination ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}
