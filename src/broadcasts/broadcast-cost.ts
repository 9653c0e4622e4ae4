import { findSegmentMembers } from '../segments/evaluate-segment';
import type { Broadcast } from './broadcast';
import { routeRecipient } from './broadcast';
import type { BroadcastDeps } from './broadcast-deps';
import { zoneNamed } from '../shared/zones';

export interface BroadcastCost {
  /** Members in the segment now (it is evaluated again when the broadcast runs). */
  recipients: number;
  line: {
    enabled: boolean;
    /** Members the broadcast would reach by LINE push: one push each from the monthly quota. */
    pushesNeeded: number;
    monthlyBudget: number;
    remainingThisMonth: number;
    /** Pushes over the remaining quota: that many members would not be reached this month. */
    shortBy: number;
  };
  messenger: {
    enabled: boolean;
    /** Wrote in the last 24 hours: will receive it (Messenger is preferred when both are linked; it costs no quota). */
    insideWindow: number;
    /** Will not receive it: Messenger allows no promotional message outside the 24-hour window. */
    outsideWindow: number;
  };
  /** Members with no channel that can push (web chat only, or a channel that is off): skipped, nothing queued. */
  noPushChannel: number;
  /** LINE members who blocked the account: skipped. */
  unfollowed: number;
  /** Seeded demo members: never messaged. */
  demoMembers: number;
}

/** What sending would cost and who it would reach, right now; nothing is claimed or sent. */
export async function costOfBroadcast(deps: BroadcastDeps, broadcast: Broadcast): Promise<BroadcastCost | { kind: 'noSegment' }> {
  const segment = await deps.segments.find(broadcast.segmentId);
  if (segment === null) return { kind: 'noSegment' };
  const now = deps.clock.now();
  const members = await findSegmentMembers(deps, segment.definition, now, deps.zone);
  const identityStates = await deps.programmeFacts.identityStates();
  const pushEnabled = { line: deps.pushChannels.line !== undefined, messenger: deps.pushChannels.messenger !== undefined };
  const counts = { line: 0, messenger: 0, outsideMessengerWindow: 0, noPushChannel: 0, unfollowed: 0, demoMember: 0 };
  for (const member of members) {
    const route = routeRecipient(member, identityStates, pushEnabled, now.toJSDate());
    counts[route.kind === 'push' ? route.channel : route.reason] += 1;
  }
  const monthlyBudget = deps.pushChannels.line?.monthlyBudget ?? 0;
  const month = now.setZone(zoneNamed(deps.zone)).toFormat('yyyy-MM');
  const remainingThisMonth = pushEnabled.line ? Math.max(0, monthlyBudget - (await deps.pushBudget.sentIn(`line:${month}`))) : 0;
  return {
    recipients: members.length,
    line: { enabled: pushEnabled.line, pushesNeeded: counts.line, monthlyBudget, remainingThisMonth, shortBy: Math.max(0, counts.line - remainingThisMonth) },
    messenger: { enabled: pushEnabled.messenger, insideWindow: counts.messenger, outsideWindow: counts.outsideMessengerWindow },
    noPushChannel: counts.noPushChannel,
    unfollowed: counts.unfollowed,
    demoMembers: counts.demoMember,
  };
}
