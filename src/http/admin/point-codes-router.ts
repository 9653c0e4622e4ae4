import { Router, type Request } from 'express';
import * as QRCode from 'qrcode';
import { z } from 'zod';
import type { Config } from '../../config';
import { createPointCodes } from '../../loyalty/point-codes/create-point-codes';
import { chatLinkFor, normaliseCode, type PointCodeId } from '../../loyalty/point-codes/point-code';
import type { ListPosition, StoredPointCode } from '../../loyalty/point-codes/point-code-repository';
import type { Repositories } from '../../repositories';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import { ok, pageOf, pageQuery, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import { parseInput } from './validation';

const isoDateTime = z.iso
  .datetime({ offset: true, message: 'an ISO 8601 date-time with an offset, e.g. 2026-12-31T23:59:59+08:00' })
  .transform((value) => new Date(value));

/** The body of POST /admin/api/point-codes; `now` is when a code without startsAt opens. */
const creationAt = (now: Date) =>
  z
    .strictObject({
      /** Points a member collects per use. */
      points: z.int().min(1).max(100_000),
      /** Uses across all members. */
      maxUses: z.int().min(1).max(1_000_000),
      /** Uses per member; at most maxUses. */
      perMemberLimit: z.int().min(1).default(1),
      /** When collecting opens; omitted: at once. */
      startsAt: isoDateTime.optional(),
      /** When collecting closes (exclusive). */
      expiresAt: isoDateTime,
      /** Shown to the member and in their history, e.g. "信義店". */
      storeLabel: z.string().trim().min(1).max(40).optional(),
      /** How many distinct codes with these settings. */
      count: z.int().min(1).max(1000).default(1),
      /** Sending the same key again returns the same codes. */
      idempotencyKey: z.string().trim().min(8).max(100).regex(/^[\w.:-]+$/, 'letters, digits and . _ : - only').optional(),
    })
    .superRefine(
      (body, context) => {
        if (body.perMemberLimit > body.maxUses) {
          context.addIssue({ code: 'custom', path: ['perMemberLimit'], message: `must not exceed maxUses (${body.maxUses})` });
        }
        const opens = body.startsAt ?? now;
        if (body.expiresAt.getTime() <= opens.getTime()) {
          const message = body.startsAt === undefined ? 'must be in the future' : 'must be after startsAt';
          context.addIssue({ code: 'custom', path: ['expiresAt'], message });
        }
      },
      // The fields are compared only once each of them is valid on its own.
      { when: (payload) => payload.issues.length === 0 },
    );

const listing = pageQuery({ defaultLimit: 20, cursor: z.string().refine((cursor) => decodeCursor(cursor) !== null, 'the nextCursor of the previous page') });
const codeParam = z.object({ code: z.string().min(1).max(40) });

export const pointCodeOperations: AdminOperation[] = [
  {
    method: 'post',
    path: '/',
    summary: 'Creates point codes (idempotencyKey: the same key returns the same codes)',
    body: creationAt(new Date(0)),
    response: ok('The codes with QR links (200 with replayed: true for a repeat)', undefined, 201),
  },
  {
    method: 'get',
    path: '/',
    summary: 'Point codes, newest first',
    query: listing,
    response: pageOf('codes', 'Point codes with uses and QR links'),
  },
  { method: 'get', path: '/:code', summary: 'One point code', params: codeParam, response: ok('The point code') },
  {
    method: 'get',
    path: '/:code/qr.png',
    summary: 'The QR code to print, as PNG',
    params: codeParam,
    response: { status: 200, description: 'A PNG image', contentType: 'image/png' },
  },
  {
    method: 'get',
    path: '/:code/qr.svg',
    summary: 'The QR code to print, as SVG',
    params: codeParam,
    response: { status: 200, description: 'An SVG image', contentType: 'image/svg+xml' },
  },
];

/** `/admin/api/point-codes`: create codes, list them, and their QR codes for printing. */
export function createPointCodesRouter(deps: {
  repositories: Pick<Repositories, 'pointCodes' | 'audit'>;
  clock: Clock;
  /** LINE_BASIC_ID makes QR codes open the LINE chat; without it they open the web chat at PUBLIC_BASE_URL (or this server). */
  config: Pick<Config, 'LINE_BASIC_ID' | 'PUBLIC_BASE_URL'>;
}): Router {
  const { pointCodes } = deps.repositories;
  const router = Router();

  const chatLinkOf = (req: Request, code: PointCodeId) =>
    chatLinkFor(code, {
      lineBasicId: deps.config.LINE_BASIC_ID,
      webBaseUrl: deps.config.PUBLIC_BASE_URL ?? `${req.protocol}://${req.get('host')}`,
    });

  const view = (req: Request) => (code: StoredPointCode) => ({
    code: code.code,
    points: code.points,
    maxUses: code.maxUses,
    perMemberLimit: code.perMemberLimit,
    startsAt: code.startsAt.toISOString(),
    expiresAt: code.expiresAt.toISOString(),
    storeLabel: code.storeLabel,
    uses: code.uses,
    createdAt: code.createdAt.toISOString(),
    qr: { png: `${req.baseUrl}/${code.code}/qr.png`, svg: `${req.baseUrl}/${code.code}/qr.svg` },
    chatLink: chatLinkOf(req, code.code),
  });

  const codeOr404 = async (typed: string) => {
    const code = normaliseCode(typed);
    const found = code === null ? null : await pointCodes.find(code);
    if (found === null) throw new HttpError(404, 'point_code_not_found', `No point code ${typed}: list them with GET /admin/api/point-codes`);
    return found;
  };

  router.post('/', async (req, res) => {
    const now = deps.clock.now();
    const body = parseInput(creationAt(now.toJSDate()), req.body);
    const outcome = await createPointCodes({ pointCodes }, body, now);
    if (outcome.kind === 'idempotencyConflict') {
      throw new HttpError(409, 'idempotency_key_reused', 'This idempotencyKey was used for codes with other settings: use a new key');
    }
    const answer = { codes: outcome.codes.map(view(req)), replayed: outcome.replayed };
    await recordAudit(deps.repositories.audit, res, {
      action: 'pointCodes.create',
      resource: outcome.codes.length === 1 ? `pointCode:${outcome.codes[0]!.code}` : 'pointCodes',
      after: answer,
      at: now.toJSDate(),
    });
    res.status(outcome.replayed ? 200 : 201).json(answer);
  });

  router.get('/', async (req, res) => {
    const { limit, cursor } = parseInput(listing, req.query);
    const page = await pointCodes.list(limit + 1, cursor === undefined ? undefined : decodeCursor(cursor)!);
    const codes = page.slice(0, limit);
    const last = codes.at(-1);
    res.json({ codes: codes.map(view(req)), nextCursor: page.length > limit && last ? encodeCursor(last) : null });
  });

  router.get('/:code', async (req, res) => {
    res.json(view(req)(await codeOr404(parseInput(codeParam, req.params).code)));
  });

  router.get('/:code/qr.png', async (req, res) => {
    const { code } = await codeOr404(parseInput(codeParam, req.params).code);
    const png = await QRCode.toBuffer(chatLinkOf(req, code), { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 600 });
    res.type('png').set('content-disposition', `inline; filename="point-code-${code}.png"`).send(png);
  });

  router.get('/:code/qr.svg', async (req, res) => {
    const { code } = await codeOr404(parseInput(codeParam, req.params).code);
    const svg = await QRCode.toString(chatLinkOf(req, code), { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    res.type('image/svg+xml').set('content-disposition', `inline; filename="point-code-${code}.svg"`).send(svg);
  });

  return router;
}

function encodeCursor(code: StoredPointCode): string {
  return Buffer.from(`${code.createdAt.getTime()}:${code.code}`).toString('base64url');
}

function decodeCursor(cursor: string): ListPosition | null {
  const match = /^(\d{1,15}):([A-Z0-9]{1,20})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match ? { createdAt: new Date(Number(match[1])), code: match[2]! } : null;
}
