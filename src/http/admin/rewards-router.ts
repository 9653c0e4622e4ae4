import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { rewardIdPattern, slugOf, type Reward, type RewardId } from '../../loyalty/rewards/reward';
import type { RewardChanges } from '../../loyalty/rewards/reward-repository';
import type { Repositories } from '../../repositories';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import { ok, pageOf, pageQuery, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import { parseInput } from './validation';

const rewardId = z.string().regex(rewardIdPattern, 'lower-case letters, digits and dashes, e.g. coffee-voucher');
const name = z.string().trim().min(1).max(40);
const description = z.string().trim().max(300);
const instant = z.iso.datetime({ offset: true, error: 'an ISO date-time with an offset, e.g. 2026-12-01T00:00:00+08:00' }).transform((text) => new Date(text));

/** Catalog fields, as the admin API takes them. */
const fields = {
  /** An https image (LINE shows only https images). */
  imageUrl: z.url({ protocol: /^https$/, error: 'an https URL' }).max(1000).nullable(),
  cost: z.int().min(1).max(10_000_000),
  /** Units available; null for unlimited. */
  stock: z.int().min(0).max(10_000_000).nullable(),
  startsAt: instant.nullable(),
  endsAt: instant.nullable(),
  perMemberLimit: z.int().min(1).max(100).nullable(),
  /** A tier id from the tiers; members below it (by tier order) cannot redeem. */
  minimumTier: z.string().min(1).max(40).nullable(),
  /** Hand each redeemer one code from the uploaded pool. */
  usesCouponPool: z.boolean(),
  active: z.boolean(),
};

const windowIsOrdered = (window: { startsAt?: Date | null; endsAt?: Date | null }) =>
  !window.startsAt || !window.endsAt || window.startsAt < window.endsAt;
const windowMessage = { message: 'endsAt must be after startsAt', path: ['endsAt'] };

const newReward = z
  .strictObject({
    id: rewardId.optional(),
    name: z.strictObject({ 'zh-TW': name, en: name }),
    description: z.strictObject({ 'zh-TW': description.default(''), en: description.default('') }).default({ 'zh-TW': '', en: '' }),
    imageUrl: fields.imageUrl.default(null),
    cost: fields.cost,
    stock: fields.stock.default(null),
    startsAt: fields.startsAt.default(null),
    endsAt: fields.endsAt.default(null),
    perMemberLimit: fields.perMemberLimit.default(null),
    minimumTier: fields.minimumTier.default(null),
    usesCouponPool: fields.usesCouponPool.default(false),
    active: fields.active.default(true),
  })
  .refine(windowIsOrdered, windowMessage);

const rewardChanges = z
  .strictObject({
    name: z.strictObject({ 'zh-TW': name, en: name }).partial(),
    description: z.strictObject({ 'zh-TW': description, en: description }).partial(),
    ...fields,
    /** Added to the stock atomically (negative to take units out); stock must stay at 0 or more. */
    stockDelta: z.int().min(-10_000_000).max(10_000_000),
  })
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, 'send at least one field to change')
  .refine((changes) => changes.stock === undefined || changes.stockDelta === undefined, {
    message: 'send either stock (a new value) or stockDelta (a change), not both',
    path: ['stockDelta'],
  })
  .refine(windowIsOrdered, windowMessage);

const rewardsQuery = pageQuery({ cursor: rewardId });
const idParam = z.object({ id: rewardId });
const codeUpload = z.strictObject({
  codes: z.array(z.string().trim().regex(/^\S{1,64}$/, 'a code of 1 to 64 characters without spaces')).min(1).max(10_000),
});

export const rewardOperations: AdminOperation[] = [
  { method: 'get', path: '/', summary: 'The reward catalog in id order', query: rewardsQuery, response: pageOf('rewards', 'Rewards') },
  { method: 'get', path: '/:id', summary: 'One reward with its coupon code counts', params: idParam, response: ok('The reward') },
  { method: 'post', path: '/', summary: 'Adds a reward', body: newReward, response: ok('The new reward', undefined, 201) },
  {
    method: 'patch',
    path: '/:id',
    summary: 'Changes a reward (stockDelta changes stock atomically)',
    params: idParam,
    body: rewardChanges,
    response: ok('The reward after the change'),
  },
  {
    method: 'post',
    path: '/:id/codes',
    summary: 'Uploads coupon codes and turns the pool on',
    params: idParam,
    body: codeUpload,
    response: ok('Codes added and skipped as duplicates, and the pool counts'),
  },
];

export function createRewardsRouter(deps: { repositories: Repositories; clock: Clock }): Router {
  const { rewards, tiers, audit } = deps.repositories;
  const router = Router();

  const rewardOr404 = async (id: string): Promise<Reward> => {
    const reward = await rewards.findById(id);
    if (reward === null) throw new HttpError(404, 'reward_not_found', `No reward ${id}; GET /admin/api/rewards lists them`);
    return reward;
  };
  const withCouponCodes = async (reward: Reward) => ({ ...reward, couponCodes: await rewards.couponCodeCounts(reward.id) });
  const checkTier = async (tierId: string | null | undefined) => {
    if (tierId === null || tierId === undefined) return;
    const defined = (await tiers.all()).map((tier) => tier.id);
    if (!defined.includes(tierId)) {
      throw new HttpError(400, 'invalid_request', `minimumTier: no tier ${tierId} (tiers are: ${defined.join(', ')})`, [
        { path: 'minimumTier', message: `one of ${defined.join(', ')}` },
      ]);
    }
  };

  router.get('/', async (req, res) => {
    const query = parseInput(rewardsQuery, req.query);
    res.json(await rewards.page({ limit: query.limit, ...(query.cursor !== undefined ? { after: query.cursor } : {}) }));
  });

  router.get('/:id', async (req, res) => {
    res.json(await withCouponCodes(await rewardOr404(parseInput(idParam, req.params).id)));
  });

  router.post('/', async (req, res) => {
    const { id, ...body } = parseInput(newReward, req.body);
    await checkTier(body.minimumTier);
    const now = deps.clock.now().toJSDate();
    const candidates = id !== undefined ? [id] : generatedIds(body.name.en);
    for (const candidate of candidates) {
      const reward: Reward = { ...body, id: candidate as RewardId };
      if ((await rewards.create(reward, now)).kind === 'created') {
        const created = await withCouponCodes(reward);
        await recordAudit(audit, res, { action: 'rewards.create', resource: `reward:${reward.id}`, after: created, at: now });
        res.status(201).json(created);
        return;
      }
    }
    if (id !== undefined) throw new HttpError(409, 'reward_exists', `A reward ${id} exists already; PATCH it, or choose another id`);
    throw new Error(`Every generated id for "${body.name.en}" was taken`);
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const changes: RewardChanges = parseInput(rewardChanges, req.body);
    const current = await rewardOr404(id);
    await checkTier(changes.minimumTier);
    if (!windowIsOrdered({ startsAt: changes.startsAt ?? current.startsAt, endsAt: changes.endsAt ?? current.endsAt })) {
      throw new HttpError(400, 'invalid_request', 'endsAt must be after startsAt', [{ path: 'endsAt', message: 'must be after startsAt' }]);
    }
    const result = await rewards.update(id, changes, deps.clock.now().toJSDate());
    switch (result.kind) {
      case 'notFound':
        throw new HttpError(404, 'reward_not_found', `No reward ${id}; GET /admin/api/rewards lists them`);
      case 'stockUnlimited':
        throw new HttpError(409, 'stock_unlimited', 'This reward has unlimited stock: set stock to a number first, then send stockDelta');
      case 'stockTooLow':
        throw new HttpError(409, 'stock_too_low', `Stock is ${result.stock}; stockDelta ${changes.stockDelta} would take it below 0`);
      case 'updated': {
        const updated = await withCouponCodes(await rewardOr404(id));
        await recordAudit(audit, res, { action: 'rewards.update', resource: `reward:${id}`, before: current, after: updated, at: deps.clock.now().toJSDate() });
        res.json(updated);
      }
    }
  });

  /** Uploads codes to the pool and turns the pool on: each redeemer from now gets one distinct code. */
  router.post('/:id/codes', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const { codes } = parseInput(codeUpload, req.body);
    const reward = await rewardOr404(id);
    const now = deps.clock.now().toJSDate();
    const before = { usesCouponPool: reward.usesCouponPool, couponCodes: await rewards.couponCodeCounts(reward.id) };
    const { added, duplicates } = await rewards.addCouponCodes(reward.id, codes, now);
    if (!reward.usesCouponPool) await rewards.update(reward.id, { usesCouponPool: true }, now);
    const after = { usesCouponPool: true, couponCodes: await rewards.couponCodeCounts(reward.id) };
    // The codes themselves are what members redeem: the audit keeps counts, not the codes.
    await recordAudit(audit, res, { action: 'rewards.uploadCodes', resource: `reward:${reward.id}`, before, after: { ...after, added, duplicates }, at: now });
    res.json({ added, duplicates, ...after });
  });

  return router;
}

/** The English name's slug, then the slug with a random suffix; names without latin letters get `reward-…`. */
function generatedIds(englishName: string): string[] {
  const slug = slugOf(englishName) || 'reward';
  const suffixed = () => `${slug.slice(0, 40)}-${randomBytes(3).toString('hex')}`;
  return [slug, suffixed(), suffixed(), suffixed()];
}
