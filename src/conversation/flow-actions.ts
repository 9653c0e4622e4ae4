import { leaderboardActions } from './actions/leaderboard-actions';
import { linkActions } from './actions/link-actions';
import { missionActions } from './actions/mission-actions';
import { pointCodeActions } from './actions/point-code-actions';
import { referralActions } from './actions/referral-actions';
import { rewardActions } from './actions/reward-actions';
import { memberActions } from './actions/member-actions';
import { tierActions } from './actions/tier-actions';
import { privacyActions } from './actions/privacy-actions';
import type { ActionContext, ActionDeps, ActionResult, OutcomeTable } from './action-module';

export type { ActionContext, ActionResult } from './action-module';

const modules = [memberActions, pointCodeActions, rewardActions, linkActions, leaderboardActions, missionActions, tierActions, privacyActions, referralActions] as const;

/** Every action a flow may name, with the outcomes its `on:` must route. */
export const actionOutcomes: OutcomeTable = Object.assign({}, ...modules.map((module) => module.outcomes));

export type FlowActions = Record<string, (context: ActionContext) => Promise<ActionResult>>;

export function createFlowActions(deps: ActionDeps): FlowActions {
  return Object.assign({}, ...modules.map((module) => module.create(deps)));
}
