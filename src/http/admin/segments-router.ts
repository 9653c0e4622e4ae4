import { Router } from 'express';
import { z } from 'zod';
import type { ProgrammeFactsRepository } from '../../analytics/programme-facts-repository';
import { previewSegment } from '../../segments/evaluate-segment';
import { changeSegment, newSegment } from '../../segments/manage-segments';
import type { PurchaseRepository } from '../../segments/purchase-repository';
import type { SegmentDefinition } from '../../segments/segment';
import type { SegmentRepository } from '../../segments/segment-repository';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import type { AuditRepository } from './audit-repository';
import { recordAudit } from './audit';
import { parseInput } from './validation';
import { ok, type AdminOperation } from './admin-operations';

const score = z.int().min(1).max(5);
const scoreRange = z
  .strictObject({ min: score.default(1), max: score.default(5) })
  .refine((range) => range.min <= range.max, { message: 'min must not be above max', path: ['max'] });
const days = z.int().min(1).max(3650);

/** Who a segment holds: every condition given must hold; `{}` is every member (never sandbox members, nor members who stopped promotions). */
export const segmentDefinitionSchema = z.strictObject({
  /** Tier ids, e.g. ["silver", "gold"]. */
  tiers: z.array(z.string().min(1).max(40)).min(1).max(20).optional(),
  /** Spendable balance, both ends included. */
  points: z
    .strictObject({ min: z.int().min(0).optional(), max: z.int().min(0).optional() })
    .refine((range) => range.min === undefined || range.max === undefined || range.min <= range.max, {
      message: 'min must not be above max',
      path: ['max'],
    })
    .optional(),
  /** within: checked in today or on the days-1 days before; notWithin: not (including never). */
  lastCheckIn: z.strictObject({ kind: z.enum(['within', 'notWithin']), days }).optional(),
  /** Wrote to the bot on any channel in the last N × 24 hours. */
  chattedWithinDays: days.optional(),
  /** Has at least one of these channels linked. */
  channels: z.array(z.enum(['line', 'messenger', 'botframework', 'web'])).min(1).optional(),
  /**
   * RFM scores 1–5 (5 best) by quintile among members who purchased in the last 365 days:
   * recency (days since the last purchase), frequency (purchases), monetary (amount). Members
   * without a purchase in that window score 1 on all three.
   */
  rfm: z.strictObject({ recency: scoreRange.optional(), frequency: scoreRange.optional(), monetary: scoreRange.optional() }).optional(),
}) satisfies z.ZodType<SegmentDefinition>;

const segmentFields = { name: z.string().trim().min(1).max(80), description: z.string().trim().max(500), definition: segmentDefinitionSchema };
export const newSegmentSchema = z.strictObject({ ...segmentFields, description: segmentFields.description.default('') });
// Without the description's default: a change that leaves it out keeps it.
export const segmentChangesSchema = z
  .strictObject(segmentFields)
  .partial()
  .refine((changes) => Object.keys(changes).length > 0, 'send at least one field to change');
export const segmentPreviewRequestSchema = z.strictObject({ definition: segmentDefinitionSchema });

const rfmScores = z.object({ recency: score, frequency: score, monetary: score });
/** `POST /segments/preview` and the `preview` of `GET /segments/:id`. */
export const segmentPreviewSchema = z.object({
  size: z.int(),
  demoMembers: z.int(),
  sample: z.array(
    z.object({ memberId: z.string(), name: z.string(), tier: z.string(), points: z.int(), channels: z.array(z.string()), rfm: rfmScores, demo: z.boolean() }),
  ),
});
export const segmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  definition: segmentDefinitionSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const idParam = z.object({ id: z.string().regex(/^seg_[A-Za-z0-9_-]{1,40}$/, 'a segment id such as seg_Ab3…') });

export const segmentOperations: AdminOperation[] = [
  { method: 'get', path: '/', summary: 'Saved segments', response: ok('{ segments }') },
  { method: 'post', path: '/preview', summary: 'The size and a sample of a definition, before saving it', body: segmentPreviewRequestSchema, response: ok('The preview', segmentPreviewSchema) },
  { method: 'post', path: '/', summary: 'Saves a segment', body: newSegmentSchema, response: ok('The segment with its preview', segmentSchema, 201) },
  { method: 'get', path: '/:id', summary: 'A segment with its current size', params: idParam, response: ok('The segment', segmentSchema) },
  { method: 'patch', path: '/:id', summary: 'Changes a segment', params: idParam, body: segmentChangesSchema, response: ok('The segment', segmentSchema) },
  { method: 'delete', path: '/:id', summary: 'Deletes a segment', params: idParam, response: ok('Deleted', undefined, 204) },
];

export function createSegmentsRouter(deps: {
  segments: SegmentRepository;
  purchases: PurchaseRepository;
  programmeFacts: ProgrammeFactsRepository;
  audit: AuditRepository;
  clock: Clock;
  zone: string;
}): Router {
  const router = Router();
  const preview = (definition: SegmentDefinition) => previewSegment(deps, definition, deps.clock.now(), deps.zone);
  const found = async (id: string) => {
    const segment = await deps.segments.find(id);
    if (segment === null) throw new HttpError(404, 'segment_not_found', `No segment ${id}; GET /admin/api/segments lists them`);
    return segment;
  };

  router.get('/', async (_req, res) => {
    res.json({ segments: await deps.segments.list() });
  });

  router.post('/preview', async (req, res) => {
    const body = parseInput(segmentPreviewRequestSchema, req.body);
    res.json(await preview(body.definition));
  });

  router.post('/', async (req, res) => {
    const body = parseInput(newSegmentSchema, req.body);
    const now = deps.clock.now().toJSDate();
    const segment = newSegment(body, now);
    await deps.segments.create(segment);
    await recordAudit(deps.audit, res, { action: 'segments.create', resource: `segment:${segment.id}`, after: segment, at: now });
    res.status(201).json({ ...segment, preview: await preview(segment.definition) });
  });

  /** The segment with its size now, so a marketer sees who a broadcast would reach before using it. */
  router.get('/:id', async (req, res) => {
    const segment = await found(parseInput(idParam, req.params).id);
    res.json({ ...segment, preview: await preview(segment.definition) });
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const changes = parseInput(segmentChangesSchema, req.body);
    const now = deps.clock.now().toJSDate();
    const changed = await changeSegment(deps, id, changes, now);
    if (changed === null) throw new HttpError(404, 'segment_not_found', `No segment ${id}; GET /admin/api/segments lists them`);
    const { before, after } = changed;
    await recordAudit(deps.audit, res, { action: 'segments.update', resource: `segment:${id}`, before, after, at: now });
    res.json({ ...after, preview: await preview(after.definition) });
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const before = await deps.segments.remove(id);
    if (before === null) throw new HttpError(404, 'segment_not_found', `No segment ${id}`);
    await recordAudit(deps.audit, res, { action: 'segments.delete', resource: `segment:${id}`, before, at: deps.clock.now().toJSDate() });
    res.status(204).end();
  });

  return router;
}
