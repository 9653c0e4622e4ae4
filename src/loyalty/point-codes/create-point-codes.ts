import { createHash, randomUUID } from 'node:crypto';
import type { DateTime } from 'luxon';
import { generateCode, type PointCodeId, type PointCodeTerms } from './point-code';
import type { PointCodeRepository, StoredPointCode } from './point-code-repository';

export interface CreatePointCodesRequest {
  points: number;
  maxUses: number;
  perMemberLimit: number;
  /** Omitted: collecting opens at once. */
  startsAt?: Date | undefined;
  expiresAt: Date;
  storeLabel?: string | undefined;
  /** How many distinct codes with these settings, e.g. one per till. */
  count: number;
  /** The same key returns the same codes instead of making more (a retried request). */
  idempotencyKey?: string | undefined;
}

export type CreatePointCodesOutcome =
  /** replayed: the idempotency key had made every code already; nothing new was written. */
  | { kind: 'created'; codes: StoredPointCode[]; replayed: boolean }
  | { kind: 'idempotencyConflict' };

const maxAttempts = 5;

/**
 * Creates a batch of codes. Each code takes a (batch, index) slot that is unique, so a retried or
 * concurrent request with the same idempotency key fills the same slots instead of adding codes,
 * and a crash half way through is finished by the retry. A new random code that collides with an
 * existing one simply leaves its slot empty for the next attempt.
 */
export async function createPointCodes(
  deps: { pointCodes: PointCodeRepository; newCode?: () => PointCodeId },
  request: CreatePointCodesRequest,
  now: DateTime,
): Promise<CreatePointCodesOutcome> {
  const newCode = deps.newCode ?? (() => generateCode());
  const batchKey = request.idempotencyKey !== undefined ? `key:${request.idempotencyKey}` : `batch:${randomUUID()}`;
  const fingerprint = fingerprintOf(request);
  const terms: PointCodeTerms = {
    points: request.points,
    maxUses: request.maxUses,
    perMemberLimit: request.perMemberLimit,
    startsAt: request.startsAt ?? now.toJSDate(),
    expiresAt: request.expiresAt,
    storeLabel: request.storeLabel ?? null,
  };

  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    const existing = await deps.pointCodes.findBatch(batchKey);
    if (existing.some((code) => code.fingerprint !== fingerprint)) return { kind: 'idempotencyConflict' };
    const filled = new Set(existing.map((code) => code.batchIndex));
    const missing = Array.from({ length: request.count }, (_, index) => index).filter((index) => !filled.has(index));
    if (missing.length === 0) return { kind: 'created', codes: existing, replayed: attempt === 0 };
    await deps.pointCodes.insertMany(
      missing.map((batchIndex) => ({ ...terms, code: newCode(), batchKey, batchIndex, fingerprint, createdAt: now.toJSDate() })),
    );
  }
  throw new Error(`Could not create ${request.count} distinct point codes in ${maxAttempts} attempts: is the code space nearly full?`);
}

/** The request as the admin sent it (not the defaults filled in later), for telling a retry from a different request. */
function fingerprintOf(request: CreatePointCodesRequest): string {
  const canonical = JSON.stringify({
    points: request.points,
    maxUses: request.maxUses,
    perMemberLimit: request.perMemberLimit,
    startsAt: request.startsAt?.toISOString() ?? null,
    expiresAt: request.expiresAt.toISOString(),
    storeLabel: request.storeLabel ?? null,
    count: request.count,
  });
  return createHash('sha256').update(canonical).digest('hex');
}
