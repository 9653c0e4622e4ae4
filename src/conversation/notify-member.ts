import type { DateTime } from 'luxon';
import type { ChannelName, PushChannel } from '../channels/channel';
import type { IdentityRepository } from '../loyalty/members/identity-repository';
import type { MemberRepository, Notice } from '../loyalty/members/member-repository';
import type { Logger } from '../shared/logger';
import { stableUuid } from '../shared/ids';
import type { FlowCatalog } from './flow-catalog';
import type { Locale } from './flow-schema';
import type { PushBudgetRepository } from './push-budget-repository';
import { renderTemplate } from './template-rendering';
import { zoneNamed } from '../shared/zones';

export interface NotifyDeps {
  members: MemberRepository;
  identities: IdentityRepository;
  pushBudget: PushBudgetRepository;
  catalog: () => FlowCatalog;
  /** Channels that may push, with their monthly budget; a channel not listed waits for the next chat. */
  pushChannels: Partial<Record<ChannelName, { channel: PushChannel; monthlyBudget: number }>>;
  defaultLocale: Locale;
  zone: string;
  logger: Logger;
}

export type NotifyOutcome = 'pushed' | 'heldForNextChat';

/**
 * A queued notice goes out by push where a channel allows it and the month's push budget has
 * room; otherwise it stays queued and rides on the member's next reply (always free). A pushed
 * notice leaves the queue, so it is never said twice.
 */
export async function notifyMember(deps: NotifyDeps, memberId: string, notice: Notice, now: DateTime): Promise<NotifyOutcome> {
  const member = await deps.members.findById(memberId);
  if (member === null) return 'heldForNextChat';
  const month = now.setZone(zoneNamed(deps.zone)).toFormat('yyyy-MM');
  for (const { channel, channelUserId } of member.identities) {
    const push = deps.pushChannels[channel];
    if (push === undefined) continue;
    const identity = await deps.identities.find(`${channel}:${channelUserId}`);
    if (identity?.following === false) continue;
    if (!(await deps.pushBudget.claim(`${channel}:${month}`, push.monthlyBudget))) {
      deps.logger.info({ memberId, channel, notice: notice.key }, 'push budget spent this month: notice held for the next chat');
      continue;
    }
    const locale = identity?.locale ?? member.locale ?? deps.defaultLocale;
    const message = renderTemplate(deps.catalog().template(notice.template, locale), notice.variables);
    if (await push.channel.push(channelUserId, [message], stableUuid(`notice:${memberId}:${notice.key}`))) {
      await deps.members.dropNotice(member.id, notice.key);
      return 'pushed';
    }
    await deps.pushBudget.release(`${channel}:${month}`);
  }
  return 'heldForNextChat';
}
