import { Router } from 'express';
import { tiersOf, tierRulesSchema } from '../../loyalty/tiers/tier-rules';
import type { Repositories } from '../../repositories';
import type { Clock } from '../../shared/clock';
import { ok, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import { parseInput } from './validation';

export const tierRuleOperations: AdminOperation[] = [
  { method: 'get', path: '/', summary: 'The published tier rules', response: ok('The tier rules') },
  {
    method: 'put',
    path: '/',
    summary: 'Publishes tier rules (members move at the next recalculation)',
    body: tierRulesSchema,
    response: ok('The published rules'),
  },
];

/**
 * `GET|PUT /admin/api/tier-rules`. Publishing never moves members by itself: the answer says so,
 * and the next run (nightly, or POST /admin/api/jobs/tier-recalculation now) applies the rules.
 */
export function createTierRulesRouter(deps: { repositories: Repositories; clock: Clock }): Router {
  const { tierRules, tiers, audit } = deps.repositories;
  const router = Router();

  router.get('/', async (_req, res) => {
    res.json(await tierRules.current());
  });

  router.put('/', async (req, res) => {
    const rules = parseInput(tierRulesSchema, req.body);
    const before = await tierRules.current();
    const now = deps.clock.now().toJSDate();
    await tierRules.publish(rules, now);
    // The card and reward access read the tiers collection: keep it the published rules' view.
    await tiers.replaceAll(tiersOf(rules));
    await recordAudit(audit, res, { action: 'tierRules.publish', resource: 'tierRules', before, after: rules, at: now });
    res.json({
      ...rules,
      recalculation: 'Members move at the next tier recalculation; POST /admin/api/jobs/tier-recalculation runs it now.',
    });
  });

  return router;
}
