import { Router, type Response } from 'express';
import { z } from 'zod';
import { locales, type Locale } from '../../conversation/flow-schema';
import { formatProblem } from '../../conversation/flow-validation';
import { previewMessage, resetPreview, type PreviewDeps, type PreviewInput } from '../../conversation/preview';
import { HttpError } from '../error-handler';
import type { AdminPrincipal } from './admin-auth';
import { ok, type AdminOperation } from './admin-operations';
import { recordAudit } from './audit';
import type { AuditRepository } from './audit-repository';
import { parseInput } from './validation';

/** `POST /admin/api/preview/messages`: typed text, or a tapped button's payload, as the web chat sends them. */
export const previewMessageBody = z
  .strictObject({
    text: z.string().trim().min(1).max(500).optional(),
    payload: z.string().min(1).max(300).optional(),
    locale: z.enum(locales).optional(),
  })
  .transform((body, context): PreviewInput & { locale?: Locale } => {
    const locale = body.locale ? { locale: body.locale } : {};
    if (body.text !== undefined && body.payload === undefined) return { kind: 'text', text: body.text, ...locale };
    if (body.payload !== undefined && body.text === undefined) return { kind: 'choice', payload: body.payload, ...locale };
    context.issues.push({ code: 'custom', input: body, message: 'send exactly one of text (typed) or payload (a tapped choice)' });
    return z.NEVER;
  });

export const previewOperations: AdminOperation[] = [
  { method: 'post', path: '/messages', summary: 'Chats on the drafts as your sandbox member', body: previewMessageBody, response: ok('{ messages } in the web chat shape') },
  { method: 'post', path: '/reset', summary: 'Starts the sandbox conversation and member over', response: ok('Reset') },
];

/**
 * `/admin/api/preview`: chat on the drafts before publishing, as the calling admin's sandbox
 * member. Answers `{ messages }` in the web chat's shape, so the console renders them the same way.
 */
export function createPreviewRouter(deps: PreviewDeps & { audit: AuditRepository }): Router {
  const router = Router();
  const admin = (res: Response) => (res.locals.admin as AdminPrincipal | undefined)?.name ?? 'system';

  router.post('/messages', async (req, res) => {
    const answered = await previewMessage(deps, admin(res), parseInput(previewMessageBody, req.body));
    if (answered.kind === 'invalid') {
      throw new HttpError(
        409,
        'drafts_conflict',
        `The saved drafts do not fit together, so there is nothing to preview:\n${answered.problems.map(formatProblem).join('\n')}`,
        answered.problems,
      );
    }
    res.json({ messages: answered.messages });
  });

  router.post('/reset', async (_req, res) => {
    const reset = await resetPreview(deps, admin(res));
    await recordAudit(deps.audit, res, {
      action: 'preview.reset',
      resource: `preview:${admin(res)}`,
      before: { memberId: reset.retiredMemberId },
      after: null,
      at: deps.clock.now().toJSDate(),
    });
    res.json({ reset: true });
  });

  return router;
}
