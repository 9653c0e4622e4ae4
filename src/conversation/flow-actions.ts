import type { DateTime } from 'luxon';
import { checkIn } from '../loyalty/check-in/check-in';
import { daysToStreakBonus, type CheckInRules } from '../loyalty/check-in/check-in-policy';
import type { ChannelIdentity, IdentityRepository } from '../loyalty/members/identity-repository';
import type { MemberRepository } from '../loyalty/members/member-repository';
import { membershipCardVariables } from '../loyalty/members/membership-card';
import { signUp } from '../loyalty/members/sign-up';
import type { EarningRules } from '../loyalty/points/award-points';
import type { LedgerRepository } from '../loyalty/points/ledger-repository';
import type { TierRepository } from '../loyalty/tiers/tier-repository';
import type { MemberId } from '../shared/ids';
import type { Variables } from './flow-engine';
import { locales, type Locale } from './flow-schema';

/** Every action a flow may name, with the outcomes its `on:` must route. */
export const actionOutcomes = {
  checkMembership: ['member', 'guest'],
  signUp: ['joined', 'alreadyMember'],
  checkIn: ['awarded', 'awardedWithBonus', 'alreadyCheckedIn'],
  showCard: ['shown'],
  setLanguage: ['changed'],
} as const;

export type ActionName = keyof typeof actionOutcomes;
type OutcomeOf<Name extends ActionName> = (typeof actionOutcomes)[Name][number];

export interface ActionContext {
  identity: ChannelIdentity;
  memberId: MemberId | null;
  /** The flow's variables so far: answers to its questions, intent arguments, earlier results. */
  variables: Variables;
  now: DateTime;
  locale: Locale;
}

export interface ActionResult<Outcome extends string = string> {
  outcome: Outcome;
  variables?: Variables;
  /** Set when the action made the person a member. */
  memberId?: MemberId;
  /** Set when the action changed the person's language. */
  locale?: Locale;
}

export type FlowActions = { [Name in ActionName]: (context: ActionContext) => Promise<ActionResult<OutcomeOf<Name>>> };

export interface FlowActionDeps {
  members: MemberRepository;
  identities: IdentityRepository;
  ledger: LedgerRepository;
  tiers: TierRepository;
  checkInRules: CheckInRules;
  earning: EarningRules;
  termsVersion: string;
}

export function createFlowActions(deps: FlowActionDeps): FlowActions {
  const cardVariables = async (memberId: MemberId, locale: Locale): Promise<Variables> => {
    const member = await deps.members.findById(memberId);
    if (member === null) return {};
    return membershipCardVariables(member, await deps.tiers.all(), locale);
  };

  return {
    async checkMembership({ memberId }) {
      return { outcome: memberId === null ? 'guest' : 'member' };
    },

    async signUp({ identity, variables, now, locale }) {
      const [startingTier] = await deps.tiers.all();
      const outcome = await signUp(
        { members: deps.members, identities: deps.identities, startingTier: startingTier?.id ?? 'member' },
        {
          identityKey: identity.key,
          channel: identity.channel,
          channelUserId: identity.channelUserId,
          name: variables.name ?? '',
          mobile: variables.mobile ?? '',
          birthday: variables.birthday ? variables.birthday : null,
          locale,
          termsVersion: deps.termsVersion,
          now: now.toJSDate(),
        },
      );
      return { outcome: outcome.kind, memberId: outcome.memberId };
    },

    async checkIn({ memberId, now, locale }) {
      if (memberId === null) throw new Error('checkIn ran for a non-member: its flow must set requiresMember');
      const outcome = await checkIn(
        { members: deps.members, ledger: deps.ledger, rules: deps.checkInRules, earning: deps.earning },
        memberId,
        now,
      );
      if (outcome.kind === 'notMember') throw new Error(`Member ${memberId} of a linked identity does not exist`);
      const number = new Intl.NumberFormat(locale);
      const variables: Variables = {
        streak: String(outcome.streak),
        balance: number.format(outcome.balance),
        daysToBonus: String(daysToStreakBonus(outcome.streak, deps.checkInRules.streakDays) || deps.checkInRules.streakDays),
        streakDays: String(deps.checkInRules.streakDays),
        streakBonus: number.format(deps.checkInRules.streakBonus),
      };
      if (outcome.kind === 'alreadyCheckedIn') return { outcome: 'alreadyCheckedIn', variables };
      return {
        outcome: outcome.bonus > 0 ? 'awardedWithBonus' : 'awarded',
        variables: { ...variables, points: number.format(outcome.points), bonus: number.format(outcome.bonus) },
      };
    },

    async showCard({ memberId, locale }) {
      return { outcome: 'shown', variables: memberId === null ? {} : await cardVariables(memberId, locale) };
    },

    async setLanguage({ identity, memberId, variables }) {
      const locale = locales.find((candidate) => candidate === variables.locale) ?? locales[0];
      await deps.identities.setLocale(identity.key, locale);
      if (memberId !== null) await deps.members.setLocale(memberId, locale);
      return { outcome: 'changed', locale };
    },
  };
}
