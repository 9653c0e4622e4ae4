import { DateTime } from 'luxon';
import { recordMissionEvent } from '../../loyalty/missions/track-mission-progress';
import { redeemReward, type RedeemOutcome } from '../../loyalty/rewards/redeem-reward';
import { catalogFor, eligibilityOf, spendableBalance, type Eligibility } from '../../loyalty/rewards/redemption-policy';
import type { RedemptionDeps } from '../../loyalty/rewards/redemption-reversal';
import type { Reward } from '../../loyalty/rewards/reward';
import { catalogVariables } from '../../loyalty/rewards/reward-catalog';
import type { MemberId } from '../../shared/ids';
import { requireMember, type ActionDeps, type ActionModule } from '../action-module';
import type { Variables } from '../flow-engine';
import type { Locale } from '../flow-schema';
import { numberFormat } from '../../shared/number-format';
import { zoneNamed } from '../../shared/zones';

const outcomes = {
  listRewards: ['listed', 'empty'],
  showReward: [
    'confirmable',
    'noRewardChosen',
    'unknownReward',
    'notAvailable',
    'tierTooLow',
    'overLimit',
    'outOfStock',
    'poolEmpty',
    'notEnoughPoints',
  ],
  redeemReward: [
    'redeemed',
    'notEnoughPoints',
    'outOfStock',
    'notAvailable',
    'overLimit',
    'tierTooLow',
    'poolEmpty',
    'unknownReward',
    'interrupted',
  ],
} as const;

export const rewardActions: ActionModule<typeof outcomes> = {
  outcomes,
  create({ repositories, rules }: ActionDeps) {
    const { members, rewards, redemptions, tiers } = repositories;

    const memberState = async (memberId: MemberId, now: DateTime) => {
      const state = (await members.findWithBalanceState(memberId))?.balance ?? null;
      if (state === null) throw new Error(`Member ${memberId} of a linked identity does not exist`);
      return { tier: state.tier, points: spendableBalance(state.lots, now) };
    };

    return {
      async listRewards({ memberId, now, locale }) {
        const id = requireMember(memberId, 'listRewards');
        const member = await memberState(id, now);
        const onOffer = await rewards.active();
        const limited = onOffer.filter((reward) => reward.perMemberLimit !== null).map((reward) => reward.id);
        const held = limited.length > 0 ? await redemptions.heldCounts(id, limited) : new Map<string, number>();
        const entries = catalogFor(onOffer, member, held, await tiers.all(), now);
        const balance = formatNumber(member.points, locale);
        if (entries.length === 0) return { outcome: 'empty', variables: { balance } };
        return { outcome: 'listed', variables: { balance, ...catalogVariables(entries, locale) } };
      },

      async showReward({ memberId, variables, now, locale }) {
        const id = requireMember(memberId, 'showReward');
        if (!variables.reward) return { outcome: 'noRewardChosen' };
        const reward = await rewards.findById(variables.reward);
        if (reward === null) return { outcome: 'unknownReward' };
        const member = await memberState(id, now);
        const held = reward.perMemberLimit !== null ? ((await redemptions.heldCounts(id, [reward.id])).get(reward.id) ?? 0) : 0;
        const eligibility = eligibilityOf(reward, { ...member, held }, await tiers.all(), now);
        const shown = { ...rewardVariables(reward, locale), balance: formatNumber(member.points, locale) };
        if (eligibility.kind === 'eligible' && reward.usesCouponPool && !(await rewards.hasFreeCouponCode(reward.id))) {
          return { outcome: 'poolEmpty', variables: shown };
        }
        const outcome = eligibility.kind === 'eligible' ? 'confirmable' : eligibility.kind;
        return { outcome, variables: { ...shown, ...eligibilityVariables(eligibility, locale) } };
      },

      async redeemReward({ memberId, variables, now, locale, flowRunId }) {
        const id = requireMember(memberId, 'redeemReward');
        const programme = rules();
        const redemptionDeps: RedemptionDeps = { ...repositories, rules: programme };
        const outcome = await redeemReward(redemptionDeps, { memberId: id, rewardId: variables.reward ?? '', flowRunId, locale, now });
        if (outcome.kind === 'redeemed') await recordMissionEvent({ ...repositories, earning: programme.earning }, id, 'redemptions', outcome.redemption.id, now);
        return { outcome: outcome.kind, variables: redeemVariables(outcome, locale, programme.zone) };
      },
    };
  },
};

function formatNumber(value: number, locale: Locale): string {
  return numberFormat(locale).format(value);
}

function rewardVariables(reward: Reward, locale: Locale): Variables {
  return {
    rewardName: reward.name[locale],
    rewardDescription: reward.description[locale],
    cost: formatNumber(reward.cost, locale),
  };
}

function eligibilityVariables(eligibility: Eligibility, locale: Locale): Variables {
  switch (eligibility.kind) {
    case 'eligible':
      return { balanceAfter: formatNumber(eligibility.balanceAfter, locale) };
    case 'notEnoughPoints':
      return { shortBy: formatNumber(eligibility.shortBy, locale) };
    case 'tierTooLow':
      return { requiredTier: eligibility.requiredTier.name[locale] };
    case 'overLimit':
      return { limit: formatNumber(eligibility.limit, locale) };
    case 'outOfStock':
    case 'notAvailable':
      return {};
  }
}

function redeemVariables(outcome: RedeemOutcome, locale: Locale, zone: string): Variables {
  if (outcome.kind === 'unknownReward') return {};
  const shown = rewardVariables(outcome.reward, locale);
  switch (outcome.kind) {
    case 'redeemed': {
      const { redemption } = outcome;
      return {
        ...shown,
        voucherCode: redemption.id,
        couponCode: redemption.couponCode ?? '',
        balance: formatNumber(outcome.balance, locale),
        validUntil: redemption.holdUntil ? DateTime.fromJSDate(redemption.holdUntil).setZone(zoneNamed(zone)).toFormat('yyyy/MM/dd HH:mm') : '',
      };
    }
    case 'notEnoughPoints':
      return { ...shown, shortBy: formatNumber(outcome.shortBy, locale), balance: formatNumber(outcome.balance, locale) };
    case 'tierTooLow':
      return { ...shown, requiredTier: outcome.requiredTier.name[locale] };
    case 'overLimit':
      return { ...shown, limit: formatNumber(outcome.limit, locale) };
    default:
      return shown;
  }
}
