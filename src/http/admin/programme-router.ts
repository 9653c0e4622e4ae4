import { Router, type Response } from 'express';
import { changeProgrammeSettings, resetProgrammeSettings } from '../../loyalty/programme-settings/change-programme-settings';
import type { LiveProgramme } from '../../loyalty/programme-settings/live-programme';
import { programmeSettingsChangeSchema, settingsView, storedOverrides } from '../../loyalty/programme-settings/programme-settings';
import type { ProgrammeSettingsRepository } from '../../loyalty/programme-settings/programme-settings-repository';
import type { Clock } from '../../shared/clock';
import type { AdminPrincipal } from './admin-auth';
import type { AuditRepository } from './audit-repository';
import { ok, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import { parseInput } from './validation';

export const programmeOperations: AdminOperation[] = [
  { method: 'get', path: '/', summary: "The programme's numbers: each value, where it comes from (console or env default) and its bounds", response: ok('The settings') },
  {
    method: 'put',
    path: '/',
    summary: 'Overrides numbers field by field (null returns a field to its env default); live on every server within seconds',
    body: programmeSettingsChangeSchema,
    response: ok('The settings'),
  },
  { method: 'post', path: '/reset', summary: 'Returns every number to its env default', response: ok('The settings') },
];

/**
 * `GET|PUT /admin/api/programme` and `POST /admin/api/programme/reset`: the programme numbers
 * (check-in points, streak, bonuses…) in effect, each marked `console` or `default` (its env
 * variable). PUT changes fields one by one: a number sets it, `null` returns it to its default.
 */
export function createProgrammeRouter(deps: {
  programmeSettings: ProgrammeSettingsRepository;
  audit: AuditRepository;
  live: LiveProgramme;
  clock: Clock;
  /** How soon other servers apply a change (CATALOG_REFRESH_SECONDS), for the console's note. */
  refreshSeconds: number;
}): Router {
  const router = Router();
  const actor = (res: Response) => (res.locals.admin as AdminPrincipal | undefined)?.name ?? 'system';

  const current = async () => {
    // Read fresh rather than from this server's copy, so the answer shows a change another server just made.
    const stored = await deps.programmeSettings.current();
    return {
      settings: settingsView(deps.live.defaults, storedOverrides(stored.overrides)),
      updatedAt: stored.updatedAt,
      updatedBy: stored.updatedBy,
      appliesWithinSeconds: deps.refreshSeconds,
    };
  };

  router.get('/', async (_req, res) => {
    res.json(await current());
  });

  router.put('/', async (req, res) => {
    const change = parseInput(programmeSettingsChangeSchema, req.body);
    const now = deps.clock.now().toJSDate();
    const { before, after } = await changeProgrammeSettings(deps, change, actor(res), now);
    await recordAudit(deps.audit, res, { action: 'programme.update', resource: 'programme', before, after, at: now });
    res.json(await current());
  });

  router.post('/reset', async (_req, res) => {
    const now = deps.clock.now().toJSDate();
    const { before, after } = await resetProgrammeSettings(deps, actor(res), now);
    await recordAudit(deps.audit, res, { action: 'programme.reset', resource: 'programme', before, after, at: now });
    res.json(await current());
  });

  return router;
}
