import type { ChannelName, OutboundMessage } from '../channels/channel';
import { truncate } from '../channels/text-limits';
import type { Locale } from '../conversation/flow-schema';

/** Free text per locale, or a message template from templates/ (rendered in the member's locale). */
export type BroadcastMessage = { kind: 'text'; text: Partial<Record<Locale, string>> } | { kind: 'template'; templateId: string };

/**
 * draft: created, not sent. scheduled: waits for `scheduledAt` (or was just asked to send).
 * sending: a run holds the lease. sent: every recipient handled. stoppedQuota: the month's LINE
 * push quota ran out; send again (next month, or after raising LINE_MONTHLY_PUSH_BUDGET) to go on
 * with the members not yet handled. cancelled: will not be sent.
 */
export type BroadcastStatus = 'draft' | 'scheduled' | 'sending' | 'sent' | 'stoppedQuota' | 'cancelled';

export interface Broadcast {
  id: string;
  name: string;
  segmentId: string;
  message: BroadcastMessage;
  scheduledAt: Date | null;
  status: BroadcastStatus;
  /** Segment members when the last run started. */
  recipients: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lease: { owner: string; until: Date } | null;
}

export type SkipReason = 'demoMember' | 'outsideMessengerWindow' | 'noPushChannel' | 'unfollowed';
/** A member of the segment as it was read when the run started, who no longer may get promotions at their turn. */
export type StopReason = 'stoppedPromotions' | 'erased';

/**
 * What happened to one member. `claimed` is a run that crashed between claiming the member and
 * recording the outcome: the message may or may not have gone out, and it is never sent again
 * (at most once).
 */
export type RecipientStatus = 'claimed' | 'sent' | 'skipped' | 'failed';

export interface RecipientResult {
  memberId: string;
  status: RecipientStatus;
  channel: ChannelName | null;
  reason: SkipReason | StopReason | 'pushRejected' | null;
  at: Date;
}

export type Route = { kind: 'push'; channel: 'line' | 'messenger'; channelUserId: string } | { kind: 'skip'; reason: SkipReason };

export interface IdentityState {
  lastInboundAt: Date | null;
  following: boolean;
}

// Messenger's standard messaging window (PLATFORMS.md 2.7); outside it a broadcast may not be sent.
export const messengerWindowMs = 24 * 60 * 60 * 1000;

/**
 * How a broadcast reaches one member: Messenger inside its 24-hour window first (it costs no
 * quota), then LINE (one push from the monthly quota) to a member still following; otherwise the
 * member is skipped with the reason. Demo members are never messaged. Web chat cannot push, and
 * broadcasts are not queued for the next chat (news goes stale), so web-only members are skipped.
 */
export function routeRecipient(
  member: { demo: boolean; identities: { channel: ChannelName; channelUserId: string }[] },
  identityStates: Map<string, IdentityState>,
  pushEnabled: { line: boolean; messenger: boolean },
  now: Date,
): Route {
  if (member.demo) return { kind: 'skip', reason: 'demoMember' };
  const stateOf = (identity: { channel: ChannelName; channelUserId: string }) =>
    identityStates.get(`${identity.channel}:${identity.channelUserId}`) ?? { lastInboundAt: null, following: true };
  const messenger = pushEnabled.messenger ? member.identities.filter((identity) => identity.channel === 'messenger') : [];
  const line = pushEnabled.line ? member.identities.filter((identity) => identity.channel === 'line') : [];
  const insideWindow = messenger.find((identity) => {
    const last = stateOf(identity).lastInboundAt;
    return last !== null && now.getTime() - last.getTime() < messengerWindowMs;
  });
  if (insideWindow) return { kind: 'push', channel: 'messenger', channelUserId: insideWindow.channelUserId };
  const following = line.find((identity) => stateOf(identity).following);
  if (following) return { kind: 'push', channel: 'line', channelUserId: following.channelUserId };
  if (messenger.length > 0) return { kind: 'skip', reason: 'outsideMessengerWindow' };
  if (line.length > 0) return { kind: 'skip', reason: 'unfollowed' };
  return { kind: 'skip', reason: 'noPushChannel' };
}

/** The member's language if the broadcast has it, else the default, else any it has. */
export function pickLocale(available: Locale[], preferred: Locale | null, defaultLocale: Locale): Locale {
  if (preferred !== null && available.includes(preferred)) return preferred;
  if (available.includes(defaultLocale)) return defaultLocale;
  return available[0] ?? defaultLocale;
}

/**
 * The template every broadcast ends with: how to stop promotions (PDPA Art. 20: a member may object to
 * marketing, so each marketing message says how). Wording per locale in templates/<locale>/broadcast.yaml,
 * edited and published like any template; account notices (notify-member.ts) are not marketing and never carry it.
 */
export const optOutFooterTemplate = 'broadcast.opt-out-footer';
/** Room for a line or two: a longer footer would crowd out the marketer's words. */
const maxFooterLength = 200;

/** The footer's words, as every broadcast ends with them. */
function footerTextOf(footer: OutboundMessage): string {
  return (footer.kind === 'text' ? [footer.text] : [footer.title, footer.subtitle, footer.footer])
    .filter((line): line is string => line !== undefined && line.trim() !== '')
    .join('\n');
}

/**
 * Why a published footer (filled for a sample member) would break the promise that every broadcast says how to
 * stop them, or null: one that fills to nothing would send broadcasts with no way out, a long one cuts their text.
 */
export function optOutFooterProblem(filledForSample: OutboundMessage): string | null {
  const text = footerTextOf(filledForSample);
  if (text === '') return 'the opt-out footer must say how to stop promotions: it fills to nothing';
  if (text.length > maxFooterLength) return `the opt-out footer must fit in ${maxFooterLength} characters (it has ${text.length})`;
  return null;
}

// A broadcast's text may be 2,000 characters (the admin API's limit, Messenger's): with the footer it must still
// fit, so a channel that cuts a long text cuts the marketer's words, never the way out.
const maxTextLength = 2000;
const footerSeparator = '\n\n';

/**
 * The broadcast message with its opt-out footer: after a blank line of a text, or as the last line
 * of a card's footer (small print on LINE). The footer template's buttons, if any, follow the message's.
 */
export function withOptOutFooter(message: OutboundMessage, footer: OutboundMessage): OutboundMessage {
  const footerText = footerTextOf(footer);
  if (footerText === '') return message;
  const choices = [...(message.choices ?? []), ...(footer.choices ?? [])];
  const withChoices = choices.length > 0 ? { choices } : {};
  if (message.kind === 'card') {
    const cardFooter = message.footer === undefined || message.footer.trim() === '' ? footerText : `${message.footer}\n${footerText}`;
    return { ...message, footer: cardFooter, ...withChoices };
  }
  const room = maxTextLength - footerSeparator.length - footerText.length;
  const body = message.text.trim() === '' ? '' : `${truncate(message.text, Math.max(1, room))}${footerSeparator}`;
  return { ...message, text: `${body}${footerText}`, ...withChoices };
}
