import { Router } from 'express';
import { tiersOf, tierRulesSchema } from '../../loyalty/tiers/tier-rules';
import type { Repositories } from '../../repositories';
import type { Clock } from '../../shared/clock';
import { parseInput } from './validation';

/**
 * `GET|PUT /admin/api/tier-rules`. Publishing never moves members by itself: the answer says so,
 * and the next run (nightly, or POST /admin/api/jobs/tier-recalculation now) applies the rules.
 */
export function createTierRulesRouter(deps: { repositories: Repositories; clock: Clock }): Router {
  const { tierRules, tiers } = deps.repositories;
  const router = Router();

  router.get('/', async (_req, res) => {
    res.json(await tierRules.current());
  });

  router.put('/', async (req, res) => {
    const rules = parseInput(tierRulesSchema, req.body);
    await tierRules.publish(rules, deps.clock.now().toJSDate());
    // The card and reward access read the tiers collection: keep it the published rules' view.
    await tiers.replaceAll(tiersOf(rules));
    res.json({
      ...rules,
      recalculation: 'Members move at the next tier recalculation; POST /admin/api/jobs/tier-recalculation runs it now.',
    });
  });

  return router;
}
