import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Personal data never reaches the logs by accident: these fields are censored wherever a log call
 * puts them (the top level or one object down). Log calls pass ids and outcomes, not message text.
 */
const personalFields = ['mobile', 'phone', 'birthday', 'name', 'text', 'email', 'payload'];

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
        '*.authorization',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
    ...(pretty && destination === undefined
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
