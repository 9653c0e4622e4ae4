import { Router } from 'express';
import { z } from 'zod';
import { missionEventKinds, missionIdPattern, type Mission, type MissionId } from '../../loyalty/missions/mission';
import type { MissionChanges } from '../../loyalty/missions/mission-repository';
import type { Repositories } from '../../repositories';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
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

export function createMissionsRouter(deps: { repositories: Repositories; clock: Clock }): Router {
  const { missions } = deps.repositories;
  const router = Router();

  const missionOr404 = async (id: string): Promise<Mission> => {
    const mission = await missions.findById(id);
    if (mission === null) throw new HttpError(404, 'mission_not_found', `No mission ${id}; GET /admin/api/missions lists them`);
    return mission;
  };

  router.get('/', async (_req, res) => {
    res.json({ items: await missions.all() });
  });

  router.get('/:id', async (req, res) => {
    res.json(await missionOr404(parseInput(idParam, req.params).id));
  });

  router.post('/', async (req, res) => {
    const { id, ...fields } = parseInput(newMission, req.body);
    const mission: Mission = { ...fields, id: id as MissionId };
    if ((await missions.create(mission, deps.clock.now().toJSDate())).kind === 'duplicate') {
      throw new HttpError(409, 'mission_exists', `A mission ${id} exists already; PATCH it, or choose another id`);
    }
    res.status(201).json(mission);
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const changes: MissionChanges = parseInput(missionChanges, req.body);
    const current = await missionOr404(id);
    if (!windowIsOrdered({ startsAt: changes.startsAt ?? current.startsAt, endsAt: changes.endsAt ?? current.endsAt })) {
      throw new HttpError(400, 'invalid_request', 'endsAt must be after startsAt', [{ path: 'endsAt', message: 'must be after startsAt' }]);
    }
    await missions.update(id, changes, deps.clock.now().toJSDate());
    res.json(await missionOr404(id));
  });

  return router;
}
