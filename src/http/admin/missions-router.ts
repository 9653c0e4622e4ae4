import { Router } from 'express';
import { z } from 'zod';
import { missionEventKinds, missionIdPattern, type Mission, type MissionId } from '../../loyalty/missions/mission';
import type { MissionChanges } from '../../loyalty/missions/mission-repository';
import type { Repositories } from '../../repositories';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import { ok, pageOf, pageQuery, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import { parseInput } from './validation';

const missionId = z.string().regex(missionIdPattern, 'lower-case letters, digits and dashes, e.g. december-check-ins');
const name = z.string().trim().min(1).max(40);
const instant = z.iso
  .datetime({ offset: true, error: 'an ISO date-time with an offset, e.g. 2026-12-01T00:00:00+08:00' })
  .transform((text) => new Date(text));

/** What a mission counts and how many of it complete the mission. */
const goal = z.strictObject({
  /**
   * checkIns: days checked in; pointCodes: point codes collected; redemptions: rewards redeemed;
   * referrals: friends who joined through the member's invite link — all inside the window.
   */
  kind: z.enum(missionEventKinds),
  target: z.int().min(1).max(1000),
});

const windowIsOrdered = (window: { startsAt?: Date; endsAt?: Date }) => !window.startsAt || !window.endsAt || window.startsAt < window.endsAt;
const windowMessage = { message: 'endsAt must be after startsAt', path: ['endsAt'] };

const newMission = z
  .strictObject({
    id: missionId,
    name: z.strictObject({ 'zh-TW': name, en: name }),
    /** Events count from startsAt (inclusive) until endsAt (exclusive). */
    startsAt: instant,
    endsAt: instant,
    goal,
    /** Points awarded once on completion; 0 for a mission that only shows progress. */
    rewardPoints: z.int().min(0).max(1_000_000),
    active: z.boolean().default(true),
  })
  .refine(windowIsOrdered, windowMessage);

const missionChanges = z
  .strictObject({
    name: z.strictObject({ 'zh-TW': name, en: name }).partial(),
    startsAt: instant,
    endsAt: instant,
    goal,
    rewardPoints: z.int().min(0).max(1_000_000),
    active: z.boolean(),
  })
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, 'send at least one field to change')
  .refine(windowIsOrdered, windowMessage);

const idParam = z.object({ id: missionId });
const missionsQuery = pageQuery({ cursor: missionId });

export const missionOperations: AdminOperation[] = [
  { method: 'get', path: '/', summary: 'Missions in id order', query: missionsQuery, response: pageOf('missions', 'Missions') },
  { method: 'get', path: '/:id', summary: 'One mission', params: idParam, response: ok('The mission') },
  { method: 'post', path: '/', summary: 'Adds a mission', body: newMission, response: ok('The new mission', undefined, 201) },
  {
    method: 'patch',
    path: '/:id',
    summary: 'Changes a mission',
    params: idParam,
    body: missionChanges,
    response: ok('The mission after the change'),
  },
];

export function createMissionsRouter(deps: { repositories: Repositories; clock: Clock }): Router {
  const { missions, audit } = deps.repositories;
  const router = Router();

  const missionOr404 = async (id: string): Promise<Mission> => {
    const mission = await missions.findById(id);
    if (mission === null) throw new HttpError(404, 'mission_not_found', `No mission ${id}; GET /admin/api/missions lists them`);
    return mission;
  };

  router.get('/', async (req, res) => {
    const { limit, cursor } = parseInput(missionsQuery, req.query);
    res.json(await missions.page({ limit, ...(cursor !== undefined ? { after: cursor } : {}) }));
  });

  router.get('/:id', async (req, res) => {
    res.json(await missionOr404(parseInput(idParam, req.params).id));
  });

  router.post('/', async (req, res) => {
    const { id, ...fields } = parseInput(newMission, req.body);
    const mission: Mission = { ...fields, id: id as MissionId };
    const now = deps.clock.now().toJSDate();
    if ((await missions.create(mission, now)).kind === 'duplicate') {
      throw new HttpError(409, 'mission_exists', `A mission ${id} exists already; PATCH it, or choose another id`);
    }
    await recordAudit(audit, res, { action: 'missions.create', resource: `mission:${id}`, after: mission, at: now });
    res.status(201).json(mission);
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const changes: MissionChanges = parseInput(missionChanges, req.body);
    const current = await missionOr404(id);
    if (!windowIsOrdered({ startsAt: changes.startsAt ?? current.startsAt, endsAt: changes.endsAt ?? current.endsAt })) {
      throw new HttpError(400, 'invalid_request', 'endsAt must be after startsAt', [{ path: 'endsAt', message: 'must be after startsAt' }]);
    }
    const now = deps.clock.now().toJSDate();
    await missions.update(id, changes, now);
    const updated = await missionOr404(id);
    await recordAudit(audit, res, { action: 'missions.update', resource: `mission:${id}`, before: current, after: updated, at: now });
    res.json(updated);
  });

  return router;
}
