import type { OutboundMessage } from '../channels/channel';
import type { Locale } from '../conversation/flow-schema';
import { findSegmentMembers, type SegmentMember } from '../segments/evaluate-segment';
import { newLeaseHolder, stableUuid } from '../shared/ids';
import { routeRecipient, type Broadcast, type RecipientResult, type StopReason } from './broadcast';
import { broadcastLocaleFor, broadcastTemplateMissing, renderBroadcast } from './broadcast-message';
import type { BroadcastDeps } from './broadcast-deps';
import { zoneNamed } from '../shared/zones';

const leaseMs = 2 * 60_000;
const recipientsPerLeaseRenewal = 20;

export type RunOutcome =
  | { kind: 'finished'; status: 'sent' | 'stoppedQuota' | 'cancelled' }
  /** Another process holds the broadcast, or took it over when this run's lease ran out. */
  | { kind: 'notOurs' };

/**
 * Sends one broadcast to its segment as it is now, at most once per member: each member is
 * claimed (a unique `<broadcast>:<member>` record) before the message goes out, so neither a
 * second run nor a run resumed after a crash messages them again. A crash between the claim and
 * the outcome leaves the member `claimed`: maybe reached, never retried. The run stops when the
 * month's LINE quota runs out; sending again later goes on with the members not yet handled.
 */
export async function runBroadcast(deps: BroadcastDeps, broadcastId: string, owner: string): Promise<RunOutcome> {
  const leaseUntil = () => new Date(deps.clock.now().toMillis() + leaseMs);
  if (!(await deps.broadcasts.claimRun(broadcastId, owner, deps.clock.now().toJSDate(), leaseUntil()))) return { kind: 'notOurs' };
  const broadcast = (await deps.broadcasts.find(broadcastId))!;
  const segment = await deps.segments.find(broadcast.segmentId);
  const cancelBecause = async (why: string) => {
    deps.logger.warn({ broadcastId, segmentId: broadcast.segmentId }, `broadcast cancelled: ${why}`);
    await deps.broadcasts.transition(broadcastId, ['sending'], 'cancelled', { finishedAt: deps.clock.now().toJSDate(), lease: null });
    return { kind: 'finished', status: 'cancelled' } as const;
  };
  if (segment === null) return cancelBecause('its segment was deleted');
  if (broadcastTemplateMissing(deps.catalog(), broadcast.message)) return cancelBecause('its template was removed by a later publish');
  const members = await findSegmentMembers(deps, segment.definition, deps.clock.now(), deps.zone);
  await deps.broadcasts.transition(broadcastId, ['sending'], 'sending', {
    recipients: members.length,
    startedAt: broadcast.startedAt ?? deps.clock.now().toJSDate(),
  });
  const identityStates = await deps.programmeFacts.identityStates();
  const pushEnabled = { line: deps.pushChannels.line !== undefined, messenger: deps.pushChannels.messenger !== undefined };

  // The segment was read when the run started, and a run can take hours (the push rate, a quota stop): a member who
  // stops promotions or is erased meanwhile is looked up again with each group of recipients, before their message.
  let stops = new Map<string, StopReason>();
  for (const [index, member] of members.entries()) {
    if (index % recipientsPerLeaseRenewal === 0) {
      if (index > 0 && !(await deps.broadcasts.renewLease(broadcastId, owner, leaseUntil()))) return { kind: 'notOurs' };
      stops = await deps.programmeFacts.marketingStops(members.slice(index, index + recipientsPerLeaseRenewal).map((next) => next.memberId));
    }
    const now = deps.clock.now();
    // Rendered before the member is claimed and a push is budgeted: should a publish remove the template mid-run, the
    // run stops here with nobody claimed in vain, and the next run cancels the broadcast.
    const message = messageFor(deps, broadcast, member);
    if (!(await deps.broadcasts.claimRecipient(broadcastId, member.memberId, now.toJSDate()))) continue;
    const settle = (result: Omit<RecipientResult, 'memberId' | 'at'>) =>
      deps.broadcasts.settleRecipient(broadcastId, { memberId: member.memberId, at: deps.clock.now().toJSDate(), ...result });

    const stopped = stops.get(member.memberId);
    if (stopped !== undefined) {
      await settle({ status: 'skipped', channel: null, reason: stopped });
      continue;
    }
    const route = routeRecipient(member, identityStates, pushEnabled, now.toJSDate());
    if (route.kind === 'skip') {
      await settle({ status: 'skipped', channel: null, reason: route.reason });
      continue;
    }
    const push = deps.pushChannels[route.channel]!;
    const budgetKey = `line:${now.setZone(zoneNamed(deps.zone)).toFormat('yyyy-MM')}`;
    // Messenger has no monthly quota; its limit is the 24-hour window, checked by routeRecipient and the channel.
    if (route.channel === 'line' && !(await deps.pushBudget.claim(budgetKey, push.monthlyBudget))) {
      await deps.broadcasts.releaseRecipient(broadcastId, member.memberId);
      await deps.broadcasts.finishRun(broadcastId, owner, 'stoppedQuota', now.toJSDate());
      deps.logger.warn({ broadcastId, handled: index }, 'broadcast stopped: the LINE push quota of this month is spent');
      return { kind: 'finished', status: 'stoppedQuota' };
    }
    const accepted = await push.channel
      .push(route.channelUserId, [message], stableUuid(`broadcast:${broadcastId}:${member.memberId}`))
      .catch((error: unknown) => {
        deps.logger.warn({ err: error, broadcastId, memberId: member.memberId }, 'broadcast push failed');
        return false;
      });
    if (!accepted && route.channel === 'line') await deps.pushBudget.release(budgetKey);
    await settle(accepted ? { status: 'sent', channel: route.channel, reason: null } : { status: 'failed', channel: route.channel, reason: 'pushRejected' });
  }
  await deps.broadcasts.finishRun(broadcastId, owner, 'sent', deps.clock.now().toJSDate());
  return { kind: 'finished', status: 'sent' };
}

function messageFor(deps: BroadcastDeps, broadcast: Broadcast, member: SegmentMember): OutboundMessage {
  const locale = broadcastLocaleFor(broadcast.message, (member.locale as Locale | null) ?? null, deps.defaultLocale);
  return renderBroadcast(deps.catalog(), broadcast.message, locale, { name: member.name });
}

/**
 * Runs due broadcasts one after another in this process: the every-minute job, and `send`
 * without waiting for the next minute. Calls queue behind each other, so awaiting one waits for
 * the runs before it too.
 */
export function createBroadcastDispatcher(deps: BroadcastDeps) {
  const owner = newLeaseHolder();
  let queue: Promise<unknown> = Promise.resolve();
  const runDue = async () => {
    const finished: string[] = [];
    for (const id of await deps.broadcasts.due(deps.clock.now().toJSDate())) {
      const outcome = await runBroadcast(deps, id, owner);
      if (outcome.kind === 'finished') finished.push(id);
    }
    return { finished };
  };
  return {
    runDue(): Promise<{ finished: string[] }> {
      const run = queue.then(runDue, runDue);
      queue = run.catch(() => undefined);
      return run;
    },
    kick(): void {
      this.runDue().catch((error: unknown) => deps.logger.error({ err: error }, 'broadcast run failed'));
    },
  };
}

export type BroadcastDispatcher = ReturnType<typeof createBroadcastDispatcher>;
