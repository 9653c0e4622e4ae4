import { randomBytes } from 'node:crypto';
import type { Broadcast, BroadcastMessage } from './broadcast';
import type { BroadcastDeps } from './broadcast-deps';
import { broadcastTemplateMissing } from './broadcast-message';

export type CreateBroadcastOutcome = { kind: 'created'; broadcast: Broadcast } | { kind: 'noSegment' } | { kind: 'noTemplate' };

/** A draft, or a scheduled broadcast when `scheduledAt` is given; the every-minute job sends it when due. */
export async function createBroadcast(
  deps: Pick<BroadcastDeps, 'broadcasts' | 'segments' | 'catalog' | 'clock'>,
  request: { name: string; segmentId: string; message: BroadcastMessage; scheduledAt: Date | null },
): Promise<CreateBroadcastOutcome> {
  if ((await deps.segments.find(request.segmentId)) === null) return { kind: 'noSegment' };
  if (broadcastTemplateMissing(deps.catalog(), request.message)) return { kind: 'noTemplate' };
  const broadcast: Broadcast = {
    id: `bc_${randomBytes(9).toString('base64url')}`,
    ...request,
    status: request.scheduledAt === null ? 'draft' : 'scheduled',
    recipients: null,
    createdAt: deps.clock.now().toJSDate(),
    startedAt: null,
    finishedAt: null,
    lease: null,
  };
  await deps.broadcasts.create(broadcast);
  return { kind: 'created', broadcast };
}
