import { Router } from 'express';
import { z } from 'zod';
import type { BackgroundRecalculation, BackgroundRecalculationDeps } from '../../loyalty/tiers/background-recalculation';
import { publishTierRules } from '../../loyalty/tiers/publish-tier-rules';
import { tierRulesSchema } from '../../loyalty/tiers/tier-rules';
import type { Repositories } from '../../repositories';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import { ok, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import { answerBackgroundStart, backgroundRunResponses, runAuditingFailure, runStarted, runStartedSchema, startAudited, succeededEntry, type RunAudit } from './background-runs';
import { parseInput } from './validation';

/** Publishing asks when members move: `now` runs the recalculation at once, `nextRun` leaves it to the nightly job. */
export const publishQuery = z
  .strictObject({
    recalculate: z.enum(['now', 'nextRun']).default('nextRun'),
    /** With recalculate=now: answer 202 { runId, statusUrl } once the run has started instead of when it ends. */
    background: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
  })
  .refine((query) => !query.background || query.recalculate === 'now', {
    message: 'background=true only applies to recalculate=now: with nextRun nothing runs now',
    path: ['background'],
  });
const dryRunBody = z.strictObject({
  rules: tierRulesSchema.optional(),
  /** Answer 202 { runId, statusUrl } once the run has started instead of when it ends. */
  background: z.boolean().default(false),
});

export const tierRuleOperations: AdminOperation[] = [
  { method: 'get', path: '/', summary: 'The published tier rules', response: ok('The tier rules') },
  {
    method: 'put',
    path: '/',
    summary: 'Publishes tier rules; ?recalculate=now moves members at once, nextRun (default) at the nightly run; &background=true answers 202 once the run has started',
    query: publishQuery,
    body: tierRulesSchema,
    response: ok('The published rules and when members move'),
    alsoAnswers: [
      {
        status: 202,
        description: 'With recalculate=now&background=true: published, and the recalculation has started; follow it at statusUrl',
        schema: runStartedSchema.extend({ recalculation: z.looseObject({}) }).loose(),
      },
    ],
  },
  {
    method: 'post',
    path: '/dry-run',
    summary: 'Computes what the published or a draft rule set would change, writing nothing (background: answer 202 { runId, statusUrl } at once)',
    body: dryRunBody,
    response: ok('Upgrades, downgrades, unchanged and samples'),
    alsoAnswers: backgroundRunResponses,
  },
];

/**
 * `GET|PUT /admin/api/tier-rules`. Publishing never moves members silently: the caller chooses
 * `?recalculate=now` or `nextRun` (the default), and the answer says which happened.
 */
export function createTierRulesRouter(deps: {
  repositories: Repositories;
  clock: Clock;
  recalculateTiers: BackgroundRecalculationDeps['recalculate'];
  backgroundRecalculation: BackgroundRecalculation;
}): Router {
  const { tierRules, audit } = deps.repositories;
  const router = Router();

  router.get('/', async (_req, res) => {
    res.json(await tierRules.current());
  });

  /** Marketers try a draft before publishing it: the same job, computing without writing. */
  router.post('/dry-run', async (req, res) => {
    const { rules, background } = parseInput(dryRunBody, req.body);
    const request = { dryRun: true, ...(rules ? { rules } : {}) };
    const dryRunAudit: RunAudit = { repository: audit, clock: deps.clock, action: 'tierRules.dryRun', resource: 'tierRules', after: (run) => ({ rules: rules ?? 'published', run }) };
    if (background) {
      await answerBackgroundStart(res, deps.backgroundRecalculation, request, dryRunAudit);
      return;
    }
    const run = await runAuditingFailure(res, dryRunAudit, (reporting) => deps.recalculateTiers({ ...request, ...reporting }));
    const answer = run.kind === 'leaseHeld' ? run : withoutKind(run);
    await recordAudit(audit, res, { action: 'tierRules.dryRun', resource: 'tierRules', after: { rules: rules ?? 'published', run: answer }, at: deps.clock.now().toJSDate() });
    res.json(answer);
  });

  router.put('/', async (req, res) => {
    const { recalculate, background } = parseInput(publishQuery, req.query);
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
    await recordAudit(audit, res, { action: 'tierRules.publish', resource: 'tierRules', before: outcome.before, after: rules, at: now });
    if (recalculate === 'nextRun') {
      res.json({ ...rules, recalculation: { when: 'nextRun', note: 'Members move at the next nightly tier recalculation.' } });
      return;
    }
    // Publishing is audited above; the recalculation it starts is audited as its own action when it ends.
    const recalculationAudit: RunAudit = { repository: audit, clock: deps.clock, action: 'tierRules.recalculation', resource: 'tierRules', after: (run) => run };
    if (background) {
      const start = await startAudited(res, deps.backgroundRecalculation, { dryRun: false }, recalculationAudit);
      if (start.kind === 'leaseHeld') {
        res.json({ ...rules, recalculation: alreadyRunning(start.owner) });
        return;
      }
      res.status(202).json({ ...rules, recalculation: { when: 'now', status: 'started' }, ...runStarted(start.runId) });
      return;
    }
    const run = await runAuditingFailure(res, recalculationAudit, (reporting) => deps.recalculateTiers({ dryRun: false, ...reporting }));
    if (run.kind !== 'leaseHeld') await recordAudit(audit, res, succeededEntry(recalculationAudit, withoutKind(run)));
    res.json({
      ...rules,
      recalculation: run.kind === 'leaseHeld' ? alreadyRunning(run.owner) : { when: 'now', status: 'completed', run: withoutKind(run) },
    });
  });

  return router;
}

/** Publishing already happened; the running recalculation, or the next one, applies the rules. */
function alreadyRunning(owner: string) {
  return { when: 'now', status: 'alreadyRunning', note: `A recalculation is running on ${owner}; the next one applies these rules.` };
}

function withoutKind<Run extends { kind: string }>(run: Run): Omit<Run, 'kind'> {
  const { kind: _, ...rest } = run;
  return rest;
}
