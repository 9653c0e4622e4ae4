import { z } from 'zod';
import type { AdminRole } from '../../config';

/**
 * One admin API operation: the schemas its route validates with and what it answers. Router
 * modules export an `operations` list next to their router; `/admin/api/openapi.json` is built
 * from these lists, so the document and the validation share one set of zod schemas.
 *
 * Adding an operation is a two-line change in the router module:
 *
 *   router.get('/:id/things', async (req, res) => { … parseInput(thingsQuery, req.query) … });
 *   { method: 'get', path: '/:id/things', summary: 'A member's things', params: memberIdParam, query: thingsQuery, response: pageOf('things', '…') },
 *
 * A new router module exports `operations` and joins `adminRoutes` in src/platform.ts with them.
 * test/integration/admin-openapi.test.ts walks the mounted routers and fails when a route is
 * missing from the document or the document names a route nobody mounted.
 * A write (anything but GET) must call `recordAudit`; test/integration/admin-audit.test.ts checks it.
 */
export interface AdminOperation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax, relative to the router's mount path: `/`, `/:id`, `/:id/codes`. */
  path: string;
  summary: string;
  description?: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: OperationResponse;
  /** Other answers than the usual success and the 400/401/403/404 every operation may give, e.g. a 202 or a 409. */
  alsoAnswers?: OperationResponse[];
  /** Narrower than the route's area allows (the router enforces it too), e.g. privacy actions: admin only. */
  roles?: AdminRole[];
}

export interface OperationResponse {
  status: number;
  description: string;
  schema?: z.ZodType;
  /** application/json unless said otherwise (QR images). */
  contentType?: string;
}

/** `?limit&cursor`, the paging query of every list; `cursor` is the previous page's `nextCursor`. */
export function pageQuery(options: { defaultLimit?: number; maxLimit?: number; cursor?: z.ZodType<string, string> } = {}) {
  return z.object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(options.maxLimit ?? 100)
      .default(options.defaultLimit ?? 50),
    cursor: (options.cursor ?? z.string().min(1).max(200)).optional(),
  });
}

/**
 * Every list answers `{ <items>: [...], nextCursor }`, named for what it lists (as `rewards.page`
 * does); `nextCursor` is null on the last page, else the `cursor` for the next one.
 */
export function pageOf(items: string, description: string, item: z.ZodType = z.looseObject({})): OperationResponse {
  return {
    status: 200,
    description: `${description}. A page: pass nextCursor as ?cursor= for the next one; null means this was the last.`,
    schema: z.object({ [items]: z.array(item), nextCursor: z.string().nullable() }),
  };
}

export function ok(description: string, schema?: z.ZodType, status = 200): OperationResponse {
  return { status, description, ...(schema ? { schema } : {}) };
}
