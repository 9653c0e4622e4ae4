import { tierOutlook } from '../../loyalty/tiers/tier-outlook';
import type { ActionDeps, ActionModule } from '../action-module';
import { tierRulesExplanation } from './tier-wording';

const outcomes = {
  explainTiers: ['explained'],
} as const;

/** The `tier` intent: the published tier rules in plain words, and where the member stands. */
export const tierActions: ActionModule<typeof outcomes> = {
  outcomes,
  create({ repositories, rules: programme }: ActionDeps) {
    const { tierRules, memberTiers } = repositories;
    return {
      async explainTiers({ memberId, locale, now, phrase }) {
        const rules = await tierRules.current();
        const state = memberId === null ? null : await memberTiers.stateOf(memberId);
        const outlook = state === null ? null : tierOutlook(state, rules, state.tier, now, programme().zone);
        return { outcome: 'explained', variables: tierRulesExplanation(rules, locale, phrase, outlook) };
      },
    };
  },
};
