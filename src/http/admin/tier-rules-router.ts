import { Router } from 'express';
import { z } from 'zod';
import { publishTierRules } from '../../loyalty/tiers/publish-tier-rules';
import type { RecalculationResult } from '../../loyalty/tiers/recalculate-tiers';
import { tierRulesSchema, type TierRules } from '../../loyalty/tiers/tier-rules';
import type { Repositories } from '../../repositories';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import { recordAudit } from './audit';
import { parseInput } from './validation';

/** Publishing asks when members move: `now` runs the recalculation at once, `nextRun` leaves it to the nightly job. */
export const publishQuery = z.strictObject({ recalculate: z.enum(['now', 'nextRun']).default('nextRun') });

/**
 * `GET|PUT /admin/api/tier-rules`. Publishing never moves members silently: the caller chooses
 * `?recalculate=now` or `nextRun` (the default), and the answer says which happened.
 */
export function createTierRulesRouter(deps: {
  repositories: Repositories;
  clock: Clock;
  recalculateTiers(options: { dryRun: boolean; rules?: TierRules }): Promise<RecalculationResult>;
}): Router {
  const { tierRules, audit } = deps.repositories;
  const router = Router();

  router.get('/', async (_req, res) => {
    res.json(await tierRules.current());
  });

  /** Marketers try a draft before publishing it: the same job, computing without writing. */
  router.post('/dry-run', async (req, res) => {
    const { rules } = parseInput(z.strictObject({ rules: tierRulesSchema.optional() }), req.body);
    const run = await deps.recalculateTiers({ dryRun: true, ...(rules ? { rules } : {}) });
    res.json(run.kind === 'leaseHeld' ? run : withoutKind(run));
  });

  router.put('/', async (req, res) => {
    const { recalculate } = parseInput(publishQuery, req.query);
    const rules = parseInput(tierRulesSchema, req.body);
    const now = deps.clock.now().toJSDate();
    const outcome = await publishTierRules(deps.repositories, rules, now);
    if (outcome.kind === 'tierInUse') {
      throw new HttpError(
        409,
        'tier_in_use',
        `Rewards are on offer from tiers these rules remove (${outcome.rewards.map((reward) => `${reward.id} → ${reward.minimumTier}`).join(', ')}): change their minimum tier first`,
        outcome.rewards.map((reward) => ({ path: `rewards.${reward.id}.minimumTier`, message: `tier ${reward.minimumTier} is removed` })),
      );
    }
    await recordAudit(audit, res, { action: 'tier-rules.publish', resource: 'tier-rules', before: outcome.before, after: rules, at: now });
    if (recalculate === 'nextRun') {
      res.json({ ...rules, recalculation: { when: 'nextRun', note: 'Members move at the next nightly tier recalculation.' } });
      return;
    }
    const run = await deps.recalculateTiers({ dryRun: false });
    res.json({
      ...rules,
      recalculation:
        run.kind === 'leaseHeld'
          ? { when: 'now', status: 'alreadyRunning', note: `A recalculation is running on ${run.owner}; the next one applies these rules.` }
          : { when: 'now', status: 'completed', run: withoutKind(run) },
    });
  });

  return router;
}

function withoutKind<Run extends { kind: string }>(run: Run): Omit<Run, 'kind'> {
  const { kind: _, ...rest } = run;
  return rest;
}
