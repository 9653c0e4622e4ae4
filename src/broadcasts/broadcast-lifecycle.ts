import type { Broadcast, BroadcastStatus } from './broadcast';
import type { BroadcastDeps } from './broadcast-deps';
import { zoneNamed } from '../shared/zones';

/** What a marketer may do with a broadcast in each state: sending also resumes one the LINE quota stopped. */
const sendableFrom: BroadcastStatus[] = ['draft', 'scheduled', 'stoppedQuota'];
/** A run in progress stops within a few recipients (send-broadcast.ts checks the status between groups). */
const cancellableFrom: BroadcastStatus[] = ['draft', 'scheduled', 'stoppedQuota', 'sending'];

export type BroadcastChangeOutcome = { kind: 'changed'; before: Broadcast } | { kind: 'notFound' } | { kind: 'refused'; status: BroadcastStatus };

type LifecycleDeps = Pick<BroadcastDeps, 'broadcasts'>;

/** Due now: the dispatcher's next run sends it. One conditional write, so of two marketers pressing at once one wins. */
export function sendBroadcastNow(deps: LifecycleDeps, id: string, now: Date): Promise<BroadcastChangeOutcome> {
  return change(deps, id, sendableFrom, 'scheduled', { scheduledAt: now, finishedAt: null });
}

export function cancelBroadcast(deps: LifecycleDeps, id: string, now: Date): Promise<BroadcastChangeOutcome> {
  return change(deps, id, cancellableFrom, 'cancelled', { finishedAt: now, lease: null });
}

async function change(
  deps: LifecycleDeps,
  id: string,
  from: BroadcastStatus[],
  to: BroadcastStatus,
  set: Partial<Omit<Broadcast, 'id' | 'status'>>,
): Promise<BroadcastChangeOutcome> {
  const before = await deps.broadcasts.find(id);
  if (before === null) return { kind: 'notFound' };
  if (await deps.broadcasts.transition(id, from, to, set)) return { kind: 'changed', before };
  // Read again: the status that refused it may be newer than `before` (another marketer, the run finishing).
  const current = await deps.broadcasts.find(id);
  return current === null ? { kind: 'notFound' } : { kind: 'refused', status: current.status };
}

/** The name a broadcast created without one gets: when it was made, in the programme's time zone. */
export function defaultBroadcastName(deps: Pick<BroadcastDeps, 'clock' | 'zone'>): string {
  return `Broadcast ${deps.clock.now().setZone(zoneNamed(deps.zone)).toFormat('yyyy-MM-dd HH:mm')}`;
}
