import { Router } from 'express';
import { z } from 'zod';
import type { Broadcast, BroadcastMessage } from '../../broadcasts/broadcast';
import { costOfBroadcast } from '../../broadcasts/broadcast-cost';
import type { BroadcastDeps } from '../../broadcasts/broadcast-deps';
import { cancelBroadcast, defaultBroadcastName, sendBroadcastNow, type BroadcastChangeOutcome } from '../../broadcasts/broadcast-lifecycle';
import { previewBroadcast } from '../../broadcasts/broadcast-message';
import { locales } from '../../conversation/flow-schema';
import { createBroadcast } from '../../broadcasts/create-broadcast';
import type { BroadcastDispatcher } from '../../broadcasts/send-broadcast';
import { HttpError } from '../error-handler';
import type { AuditRepository } from './audit-repository';
import { recordAudit } from './audit';
import { parseInput } from './validation';
import { ok, type AdminOperation } from './admin-operations';

const text = z.string().trim().min(1).max(2000);

/** Free text per locale (at least one), or `{ templateId }` of a message template in templates/. */
export const broadcastMessageSchema = z.union([
  z.strictObject({ templateId: z.string().min(1).max(100) }),
  z
    .strictObject({ 'zh-TW': text.optional(), en: text.optional() })
    .refine((texts) => Object.keys(texts).length > 0, 'give the text in at least one locale (zh-TW, en), or a templateId'),
]);

export const newBroadcastSchema = z.strictObject({
  name: z.string().trim().min(1).max(80).optional(),
  segmentId: z.string().min(1).max(60),
  message: broadcastMessageSchema,
  /** When to send; absent → a draft, sent by POST /:id/send. */
  scheduledAt: z.iso.datetime({ offset: true, error: 'an ISO date-time with an offset, e.g. 2026-12-01T10:00:00+08:00' }).optional(),
});

export const recipientsQuerySchema = z.strictObject({
  status: z.enum(['claimed', 'sent', 'skipped', 'failed']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The last memberId of the previous page. */
  after: z.string().min(1).max(100).optional(),
});

const statusSchema = z.enum(['draft', 'scheduled', 'sending', 'sent', 'stoppedQuota', 'cancelled']);
const countsSchema = z.object({ sent: z.int(), skipped: z.int(), failed: z.int(), claimed: z.int() });

/** `GET /broadcasts/:id` (and the answer of create, send and cancel). */
export const broadcastSchema = z.object({
  id: z.string(),
  name: z.string(),
  segmentId: z.string(),
  message: z.union([z.object({ kind: z.literal('text'), text: z.record(z.string(), z.string()) }), z.object({ kind: z.literal('template'), templateId: z.string() })]),
  scheduledAt: z.iso.datetime().nullable(),
  status: statusSchema,
  recipients: z.int().nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  /** Per-recipient outcomes so far; `claimed` = a crashed run's member, maybe reached, never retried. */
  counts: countsSchema,
});

export const broadcastCostSchema = z.object({
  recipients: z.int(),
  line: z.object({ enabled: z.boolean(), pushesNeeded: z.int(), monthlyBudget: z.int(), remainingThisMonth: z.int(), shortBy: z.int() }),
  messenger: z.object({ enabled: z.boolean(), insideWindow: z.int(), outsideWindow: z.int() }),
  noPushChannel: z.int(),
  unfollowed: z.int(),
  demoMembers: z.int(),
});

export const recipientResultSchema = z.object({
  memberId: z.string(),
  status: z.enum(['claimed', 'sent', 'skipped', 'failed']),
  channel: z.enum(['line', 'messenger', 'botframework', 'web']).nullable(),
  reason: z.enum(['demoMember', 'outsideMessengerWindow', 'noPushChannel', 'unfollowed', 'stoppedPromotions', 'erased', 'pushRejected']).nullable(),
  at: z.iso.datetime(),
});

const previewMessageSchema = z.union([
  z.object({ kind: z.literal('text'), text: z.string(), choices: z.array(z.object({ label: z.string(), payload: z.string() })).optional() }),
  z.looseObject({ kind: z.literal('card'), title: z.string(), footer: z.string().optional() }),
]);

/** `GET /broadcasts/:id/preview`: what members get, per language, in the web chat's message shape. */
export const broadcastPreviewSchema = z.object({
  messages: z.array(
    z.object({
      locale: z.enum(locales),
      /** The broadcast as sent, ending with the opt-out footer (template broadcast.opt-out-footer); `{name}` stands where each member's name goes. */
      message: previewMessageSchema,
    }),
  ),
});

const idParam = z.object({ id: z.string().regex(/^bc_[A-Za-z0-9_-]{1,40}$/, 'a broadcast id such as bc_Xy1…') });

export const broadcastOperations: AdminOperation[] = [
  { method: 'get', path: '/', summary: 'Broadcasts, newest first', response: ok('{ broadcasts }') },
  { method: 'post', path: '/', summary: 'Creates a broadcast to a segment (draft, or scheduled with scheduledAt)', body: newBroadcastSchema, response: ok('The broadcast', broadcastSchema, 201) },
  { method: 'get', path: '/:id', summary: 'A broadcast with its progress counts', params: idParam, response: ok('The broadcast', broadcastSchema) },
  { method: 'get', path: '/:id/cost', summary: 'What sending costs: LINE pushes against the quota, Messenger inside/outside the 24-hour window', params: idParam, response: ok('The cost preview', broadcastCostSchema) },
  {
    method: 'get',
    path: '/:id/preview',
    summary: 'What members get, per language: the message with the opt-out footer every broadcast ends with',
    params: idParam,
    response: ok('The messages', broadcastPreviewSchema),
  },
  { method: 'get', path: '/:id/recipients', summary: 'Per-recipient results', params: idParam, query: recipientsQuerySchema, response: ok('{ results, nextAfter }') },
  { method: 'post', path: '/:id/send', summary: 'Sends now (or resumes one the quota stopped)', params: idParam, response: ok('Sending', broadcastSchema, 202) },
  { method: 'post', path: '/:id/cancel', summary: 'Cancels a draft or scheduled broadcast', params: idParam, response: ok('Cancelled', broadcastSchema) },
];

export function createBroadcastsRouter(deps: BroadcastDeps & { audit: AuditRepository; dispatcher: BroadcastDispatcher }): Router {
  const router = Router();
  const found = async (id: string) => {
    const broadcast = await deps.broadcasts.find(id);
    if (broadcast === null) throw new HttpError(404, 'broadcast_not_found', `No broadcast ${id}; GET /admin/api/broadcasts lists them`);
    return broadcast;
  };
  const templateRemoved = (broadcast: Broadcast) =>
    new HttpError(
      409,
      'broadcast_template_missing',
      `The template ${broadcast.message.kind === 'template' ? broadcast.message.templateId : ''} of this broadcast was removed by a later publish; publish it again, or cancel the broadcast`,
    );
  const withCounts = async (id: string) => {
    const { lease: _, ...broadcast } = await found(id);
    const { claimed, sent, skipped, failed } = await deps.broadcasts.counts(id);
    return { ...broadcast, counts: { sent, skipped, failed, claimed } };
  };

  router.get('/', async (_req, res) => {
    const broadcasts = await deps.broadcasts.list(100);
    res.json({ broadcasts: broadcasts.map(({ lease: _, ...broadcast }) => broadcast) });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(newBroadcastSchema, req.body);
    const message: BroadcastMessage = 'templateId' in body.message ? { kind: 'template', templateId: body.message.templateId } : { kind: 'text', text: body.message };
    const outcome = await createBroadcast(deps, {
      name: body.name ?? defaultBroadcastName(deps),
      segmentId: body.segmentId,
      message,
      scheduledAt: body.scheduledAt ? new Date(body.scheduledAt) : null,
    });
    if (outcome.kind === 'noSegment') throw new HttpError(400, 'segment_not_found', `No segment ${body.segmentId}; create it with POST /admin/api/segments`);
    if (outcome.kind === 'noTemplate') throw new HttpError(400, 'template_not_found', `No message template ${'templateId' in body.message ? body.message.templateId : ''} in templates/`);
    await recordAudit(deps.audit, res, { action: 'broadcasts.create', resource: `broadcast:${outcome.broadcast.id}`, after: outcome.broadcast, at: outcome.broadcast.createdAt });
    res.status(201).json(await withCounts(outcome.broadcast.id));
  });

  router.get('/:id', async (req, res) => {
    res.json(await withCounts(parseInput(idParam, req.params).id));
  });

  router.get('/:id/cost', async (req, res) => {
    const broadcast = await found(parseInput(idParam, req.params).id);
    const cost = await costOfBroadcast(deps, broadcast);
    if ('kind' in cost) throw new HttpError(409, 'segment_not_found', `The segment ${broadcast.segmentId} of this broadcast was deleted`);
    res.json(cost);
  });

  router.get('/:id/preview', async (req, res) => {
    const broadcast = await found(parseInput(idParam, req.params).id);
    const messages = previewBroadcast(deps.catalog(), broadcast.message);
    if (messages === null) throw templateRemoved(broadcast);
    res.json({ messages });
  });

  router.get('/:id/recipients', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const query = parseInput(recipientsQuerySchema, req.query);
    await found(id);
    const results = await deps.broadcasts.results(id, { limit: query.limit, ...(query.after ? { after: query.after } : {}), ...(query.status ? { status: query.status } : {}) });
    res.json({ results, nextAfter: results.length === query.limit ? results.at(-1)!.memberId : null });
  });

  /** The broadcast as changed, or the 404 / 409 that says why it was not. */
  const changed = (id: string, outcome: BroadcastChangeOutcome, refusal: { code: string; message: (status: string) => string }) => {
    if (outcome.kind === 'notFound') throw new HttpError(404, 'broadcast_not_found', `No broadcast ${id}; GET /admin/api/broadcasts lists them`);
    if (outcome.kind === 'refused') throw new HttpError(409, refusal.code, refusal.message(outcome.status));
    return outcome.before;
  };

  /** Starts sending now (also resumes a broadcast the LINE quota stopped); answers at once, progress in GET /:id. */
  router.post('/:id/send', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const now = deps.clock.now().toJSDate();
    const before = changed(id, await sendBroadcastNow(deps, id, now), {
      code: 'broadcast_not_sendable',
      message: (status) => `Broadcast ${id} is ${status}; only a draft, scheduled or quota-stopped broadcast can be sent`,
    });
    const after = await withCounts(id);
    await recordAudit(deps.audit, res, { action: 'broadcasts.send', resource: `broadcast:${id}`, before, after, at: now });
    deps.dispatcher.kick();
    res.status(202).json(after);
  });

  /** Stops a broadcast; a run in progress stops within a few recipients. */
  router.post('/:id/cancel', async (req, res) => {
    const { id } = parseInput(idParam, req.params);
    const now = deps.clock.now().toJSDate();
    const before = changed(id, await cancelBroadcast(deps, id, now), {
      code: 'broadcast_not_cancellable',
      message: (status) => `Broadcast ${id} is ${status} already`,
    });
    const after = await withCounts(id);
    await recordAudit(deps.audit, res, { action: 'broadcasts.cancel', resource: `broadcast:${id}`, before, after, at: now });
    res.json(after);
  });

  return router;
}
