import type { z } from 'zod';

export class ValidationError extends Error {
  readonly status = 400;
  readonly code = 'invalid_request';
  constructor(
    message: string,
    readonly details: { path: string; message: string }[],
  ) {
    super(message);
  }
}

/** Parses a request part with a schema; the error handler turns a failure into 400 with details. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  throw new ValidationError(details.map((detail) => `${detail.path || 'body'}: ${detail.message}`).join('; '), details);
}
