import { Router } from 'express';
import { z } from 'zod';
import type { Clock } from '../../shared/clock';
import type { MemberId } from '../../shared/ids';
import { adjustPoints } from '../../loyalty/points/adjust-points';
import { verifyLedger } from '../../loyalty/points/verify-ledger';
import type { ProgrammeRules } from '../../loyalty/programme';
import type { Repositories } from '../../repositories';
import { locales } from '../../conversation/flow-schema';
import { importMembers, type ImportedMember, type RejectedRow } from '../../loyalty/members/import-members';
import { mayReceiveMarketing } from '../../loyalty/members/member';
import { marketingChoiceInEffect } from '../../privacy/marketing-consent';
import { recordMarketingChoiceOnBehalf } from '../../privacy/record-marketing-choice-on-behalf';
import { HttpError } from '../error-handler';
import type { AdminPrincipal } from './admin-auth';
import { ok, pageOf, pageQuery, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import { parseInput } from './validation';

const channel = z.enum(['line', 'messenger', 'botframework', 'web']);
const memberId = z.string().regex(/^m_[A-Za-z0-9_-]{16}$/, 'a member id such as m_Ab12…');
const membersQuery = pageQuery({ cursor: memberId })
  .extend({
    /** With channelUserId: the one member with this channel identity (answers the member, not a page). */
    channel: channel.optional(),
    channelUserId: z.string().min(1).max(200).optional(),
    /** Members whose name, mobile or a channel user id contains this text. */
    q: z.string().trim().min(1).max(100).optional(),
  })
  .refine((query) => (query.channel === undefined) === (query.channelUserId === undefined), {
    message: 'send channel and channelUserId together',
    path: ['channelUserId'],
  });
const memberIdParam = z.object({ id: memberId });
const ledgerQuery = pageQuery({ maxLimit: 200, cursor: z.string().regex(/^\d{1,15}\.[0-9a-f]{24}$/, 'the nextCursor of the previous page') });
const tierHistoryQuery = pageQuery({ cursor: z.string().regex(/^[A-Za-z0-9_-]{1,300}$/, 'the nextCursor of the previous page') });
const marketingStatus = z.enum(['given', 'withdrawn']);

/** One member as a CRM knows them; externalId makes importing again an update. */
const importedMember = z
  .strictObject({
    externalId: z.string().trim().min(1).max(100).regex(/^[\w:@-]+$/, 'letters, digits and _ : @ - only'),
    displayName: z.string().trim().min(1).max(80),
    phone: z.string().trim().regex(/^\+?[\d\s-]{6,20}$/, 'a phone number such as 0912345678 or +886 912 345 678'),
    birthday: z.iso.date('a date such as 1990-04-01').nullable().default(null),
    locale: z.enum(locales).nullable().default(null),
    /** Awarded once through the ledger (key import:<externalId>); a re-import never awards again. */
    openingPoints: z.int().min(0).max(10_000_000).default(0),
    /** e.g. the member's LINE user id, so they are recognised when they first chat. */
    identities: z
      .array(z.strictObject({ channel, channelUserId: z.string().trim().min(1).max(200) }))
      .max(10)
      .default([]),
    /**
     * The member's choice about promotions as the CRM has it: `withdrawn` keeps broadcasts from them, `given` lets them
     * through again. Recorded as a marketing consent record (channel `import`) when it differs from the choice in
     * effect, so importing again records nothing new. Absent or null leaves the choice as it is.
     */
    marketing: marketingStatus.nullable().default(null),
    /**
     * When the CRM recorded `marketing` (ISO 8601 with an offset; default: the import's time). A choice the member made
     * after it or at the same time, e.g. "stop promotions" in chat since, stays in effect; a `given` without it never
     * undoes a withdrawal on record.
     */
    marketingAt: z.iso.datetime({ offset: true, error: 'a time with its offset, such as 2026-03-01T09:30:00+08:00' }).nullable().default(null),
  })
  .refine((row) => row.marketingAt === null || row.marketing !== null, {
    message: 'send marketing (given or withdrawn) with marketingAt',
    path: ['marketingAt'],
  });
/** Rows are checked one by one, so one bad row is reported and the others are imported. */
const memberBatch = z.strictObject({ members: z.array(z.unknown()).min(1).max(1000) });
const isBatch = (body: unknown) => typeof body === 'object' && body !== null && 'members' in body;
/** A choice about promotions staff record for the member (they phoned, wrote in); the reason goes to the audit log. */
const marketingChoiceOnBehalf = z.strictObject({
  status: marketingStatus,
  reason: z.string().trim().min(1).max(200),
});
const adjustment = z.strictObject({
  points: z
    .int()
    .min(-1_000_000)
    .max(1_000_000)
    .refine((points) => points !== 0, 'must not be 0'),
  reason: z.string().trim().min(1).max(200),
  idempotencyKey: z.string().trim().min(8).max(100).regex(/^[\w.:-]+$/, 'letters, digits and . _ : - only'),
});

const consentSchema = z.object({
  kind: z.enum(['terms', 'privacy', 'marketing']),
  version: z.string(),
  status: z.enum(['given', 'withdrawn']),
  at: z.iso.datetime(),
  /**
   * Where it was made: the chat channel the member used, `import` (a CRM import's record) or `staff` (recorded by staff
   * on the member's behalf); null for records from before channels were recorded.
   */
  channel: z.string().nullable(),
});

/** The member's choice about promotions in effect, from their latest marketing record. */
const marketingChoiceSchema = z.object({
  status: marketingStatus,
  /** When the record in effect was made; null when there is none (joining includes promotions). */
  at: z.iso.datetime().nullable(),
  /** Where it was made (as a consent's channel); null when there is no record. */
  channel: z.string().nullable(),
});

/** `GET /members/:id` and the look-up by channel identity: one member (the fields below among others). */
export const memberDetailSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  points: z.int(),
  tier: z.string(),
  /**
   * Whether broadcasts (promotions) reach the member: false once their latest marketing consent record
   * is a withdrawal ("stop promotions" / 停止推播); true with no marketing record (docs/privacy.md).
   */
  mayReceiveMarketing: z.boolean(),
  marketingChoice: marketingChoiceSchema,
  /** Every consent record in the order it was made: terms and privacy at signup, marketing each time the member stops or resumes promotions. */
  consents: z.array(consentSchema),
});

export const memberOperations: AdminOperation[] = [
  {
    method: 'get',
    path: '/',
    summary: 'Members: search by ?q=, list, or look one up by ?channel=&channelUserId=',
    description: 'With channel and channelUserId the answer is that member (404 if none); otherwise a page of members.',
    query: membersQuery,
    response: pageOf('members', 'Members in id order, or the one member found by channel identity'),
  },
  {
    method: 'post',
    path: '/',
    summary: 'Imports members from a CRM (one, or { members: [...] } up to 1,000)',
    description:
      'Idempotent on externalId: importing again updates name, phone, birthday and locale and never awards openingPoints twice. ' +
      'A row with marketing records that choice about promotions (channel import) when it changes the choice in effect and no ' +
      'later record of the member decides; the row answers marketing: recorded, alreadyInEffect or laterChoiceInEffect. ' +
      'Each row answers created, updated or error with a reason; a bad row does not stop the others.',
    body: z.union([z.strictObject({ members: z.array(importedMember).min(1).max(1000) }), importedMember]),
    response: ok('Per-row results and counts'),
  },
  {
    method: 'get',
    path: '/:id',
    summary: 'One member with balance and lots, consent records and whether promotions reach them',
    params: memberIdParam,
    response: ok('The member', memberDetailSchema),
  },
  {
    method: 'get',
    path: '/:id/ledger',
    summary: "A member's ledger entries, newest first",
    params: memberIdParam,
    query: ledgerQuery,
    response: pageOf('entries', 'Ledger entries'),
  },
  {
    method: 'get',
    path: '/:id/tier-history',
    summary: "A member's tier changes, newest first",
    params: memberIdParam,
    query: tierHistoryQuery,
    response: pageOf('changes', 'Tier changes: from, to, reason, qualifyingPoints, at'),
  },
  {
    method: 'post',
    path: '/:id/adjustments',
    summary: 'Adds or takes points (staff correction); the idempotencyKey makes a retry replay',
    params: memberIdParam,
    body: adjustment,
    response: ok('The ledger entry and the new balance (200 with replayed: true for a repeat)', undefined, 201),
  },
];

export function createMembersRouter(deps: { repositories: Repositories; rules: () => ProgrammeRules; clock: Clock }): Router {
  const { members, identities, ledger, tiers, tierHistory, audit } = deps.repositories;
  const router = Router();

  const memberOr404 = async (id: string) => {
    const member = await members.findById(id);
    if (member === null) throw new HttpError(404, 'member_not_found', `No member ${id}`);
    const balance = await members.balanceState(id);
    return {
      ...member,
      lots: balance?.lots ?? [],
      mayReceiveMarketing: mayReceiveMarketing(member.consents),
      marketingChoice: marketingChoiceInEffect(member.consents),
    };
  };

  router.get('/', async (req, res) => {
    const query = parseInput(membersQuery, req.query);
    if (query.channel !== undefined && query.channelUserId !== undefined) {
      const identity = await identities.find(`${query.channel}:${query.channelUserId}`);
      if (identity?.memberId == null) throw new HttpError(404, 'member_not_found', `No member has ${query.channel} id ${query.channelUserId}`);
      res.json(await memberOr404(identity.memberId));
      return;
    }
    res.json(
      await members.page({
        limit: query.limit,
        ...(query.cursor !== undefined ? { after: query.cursor } : {}),
        ...(query.q !== undefined ? { text: query.q } : {}),
      }),
    );
  });

  router.post('/', async (req, res) => {
    const rows: unknown[] = isBatch(req.body) ? parseInput(memberBatch, req.body).members : [parseInput(importedMember, req.body)];
    const now = deps.clock.now();
    const [startingTier] = await tiers.all();
    const { summary, results, previousProfiles } = await importMembers(
      { members, identities, ledger, earning: deps.rules().earning, startingTier: startingTier?.id ?? 'member', termsVersion: deps.rules().termsVersion },
      rows.map(parseImportRow),
      now,
    );
    const only = results.length === 1 ? results[0]! : undefined;
    await recordAudit(audit, res, {
      action: 'members.import',
      resource: only && 'memberId' in only ? `member:${only.memberId}` : 'members',
      // Which members an import changed, not what their profiles held: the audit log outlives an erasure.
      before: { updatedMembers: previousProfiles.map((profile) => profile.memberId) },
      after: { summary, results },
      at: now.toJSDate(),
    });
    res.json({ summary, results });
  });

  router.get('/:id', async (req, res) => {
    res.json(await memberOr404(parseInput(memberIdParam, req.params).id));
  });

  router.get('/:id/ledger', async (req, res) => {
    const { id } = parseInput(memberIdParam, req.params);
    const { limit, cursor } = parseInput(ledgerQuery, req.query);
    await memberOr404(id);
    res.json(await ledger.page(id as MemberId, { limit, ...(cursor !== undefined ? { cursor } : {}) }));
  });

  router.get('/:id/tier-history', async (req, res) => {
    const { id } = parseInput(memberIdParam, req.params);
    const { limit, cursor } = parseInput(tierHistoryQuery, req.query);
    await memberOr404(id);
    res.json(await tierHistory.pageOfMember(id, { limit, ...(cursor !== undefined ? { cursor } : {}) }));
  });

  router.post('/:id/adjustments', async (req, res) => {
    const { id } = parseInput(memberIdParam, req.params);
    const body = parseInput(adjustment, req.body);
    const balanceBefore = (await members.balanceState(id))?.points ?? null;
    const outcome = await adjustPoints(
      { members, ledger, earning: deps.rules().earning },
      { memberId: id as MemberId, ...body, now: deps.clock.now() },
    );
    switch (outcome.kind) {
      case 'noMember':
        throw new HttpError(404, 'member_not_found', `No member ${id}`);
      case 'notEnoughPoints':
        throw new HttpError(409, 'not_enough_points', `Not enough points: the member has ${outcome.balance}, ${outcome.shortBy} short`);
      case 'keyReused':
        throw new HttpError(409, 'idempotency_key_reused', 'This idempotencyKey was used for a different adjustment');
      default: {
        const answer = { entry: outcome.entry, balance: outcome.balance, replayed: outcome.kind === 'replayed' };
        await recordAudit(audit, res, {
          action: 'members.adjust',
          resource: `member:${id}`,
          before: { balance: balanceBefore },
          after: answer,
          at: deps.clock.now().toJSDate(),
        });
        res.status(outcome.kind === 'replayed' ? 200 : 201).json(answer);
      }
    }
  });

  return router;
}

/**
 * Mounted at /members/:id/marketing in the programme area, outside the staff area of the other member routes:
 * marketers, who run the broadcasts, may record a member's objection to them.
 */
export const memberMarketingOperations: AdminOperation[] = [
  {
    method: 'put',
    path: '/',
    summary: "Records a member's choice about promotions on their behalf (they phoned the store), with a reason for the audit log",
    description:
      'Appends a marketing consent record (channel staff) unless the choice is in effect already; it decides from then on, ' +
      'as "stop promotions" in chat does. Answers the choice in effect and whether a record was made. ' +
      'A marketer may record withdrawn; given (promotions again) is for the admin role, or the member in chat.',
    params: memberIdParam,
    body: marketingChoiceOnBehalf,
    response: ok('The choice in effect: { id, recorded, marketingChoice: { status, at, channel } }'),
    roles: ['admin', 'marketer'],
  },
];

export function createMemberMarketingRouter(deps: { repositories: Repositories; rules: () => ProgrammeRules; clock: Clock }): Router {
  const { members, audit } = deps.repositories;
  const router = Router({ mergeParams: true });

  router.put('/', async (req, res) => {
    const { id } = parseInput(memberIdParam, req.params);
    const { status, reason } = parseInput(marketingChoiceOnBehalf, req.body);
    const staffRole = (res.locals.admin as AdminPrincipal | undefined)?.role ?? 'anonymous';
    const at = deps.clock.now().toJSDate();
    const outcome = await recordMarketingChoiceOnBehalf(members, id as MemberId, { status, termsVersion: deps.rules().termsVersion, at, staffRole });
    if (outcome.kind === 'notAllowed') {
      throw new HttpError(
        403,
        'forbidden',
        `The ${staffRole} role may record a withdrawal only; an admin records given on a member's behalf, or the member says "resume promotions" in chat`,
      );
    }
    if (outcome.kind === 'noMember') throw new HttpError(404, 'member_not_found', `No member ${id} (or the member was erased)`);
    const answer = { id, recorded: outcome.kind === 'recorded', marketingChoice: outcome.inEffect };
    await recordAudit(audit, res, {
      action: 'members.recordMarketingChoice',
      resource: `member:${id}`,
      before: { marketing: outcome.before },
      after: { marketing: outcome.inEffect.status, recorded: answer.recorded, reason },
      at,
    });
    res.json(answer);
  });

  return router;
}

export const ledgerOperations: AdminOperation[] = [
  {
    method: 'get',
    path: '/verify',
    summary: 'Checks every balance against its ledger entries',
    response: ok('The invariant check: mismatches, pending entries'),
  },
];

export function createLedgerRouter(deps: { repositories: Repositories }): Router {
  const router = Router();
  router.get('/verify', async (_req, res) => {
    res.json(await verifyLedger({ members: deps.repositories.members, ledger: deps.repositories.ledger }));
  });
  return router;
}

/** A batch row, parsed on its own: a bad one becomes its error result and the others go on. */
function parseImportRow(row: unknown): ImportedMember | RejectedRow {
  const parsed = importedMember.safeParse(row);
  // marketingAt becomes a Date only here: the schema parses a single row twice (its 400 first, then as a row).
  if (parsed.success) return { ...parsed.data, marketingAt: parsed.data.marketingAt === null ? null : new Date(parsed.data.marketingAt) };
  const externalId = (row as { externalId?: unknown } | null)?.externalId;
  return {
    externalId: typeof externalId === 'string' ? externalId : null,
    rejected: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`).join('; '),
  };
}
