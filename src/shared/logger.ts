import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Personal data never reaches the logs by accident: these fields are censored wherever a log call
 * puts them (the top level or one object down). Log calls pass ids and outcomes, not message text.
 */
const personalFields = ['mobile', 'phone', 'birthday', 'name', 'text', 'email', 'payload'];

/** `destination` is for tests that read what was logged; it replaces stdout (and pretty printing). */
export function createLogger(level: string, pretty = process.stdout.isTTY === true, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    redact: {
      paths: [
        ...personalFields,
        ...personalFields.map((field) => `*.${field}`),
        'variables',
        '*.variables',
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
    ...(pretty && destination === undefined
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
