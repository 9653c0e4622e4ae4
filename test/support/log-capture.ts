import { Writable } from 'node:stream';

export interface LogEntry {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A log destination for tests that read what was logged: each line as pino wrote it, and parsed. */
export function captureLogs() {
  const lines: string[] = [];
  const entries: LogEntry[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        lines.push(line);
        entries.push(JSON.parse(line) as LogEntry);
      }
      done();
    },
  });
  return { stream, lines, entries };
}
