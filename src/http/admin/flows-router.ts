import { Router, type Response } from 'express';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  describeResource,
  diffContent,
  discardDraft,
  listResources,
  listVersions,
  publishDraft,
  resetToShipped,
  rollBack,
  saveDraft,
  templateDraftContent,
  versionContent,
  templateEntries,
  type ContentDeps,
  type Invalid,
  type Published,
} from '../../conversation/content-publishing';
import type { ContentKind, ContentText } from '../../conversation/content-version-repository';
import { locales } from '../../conversation/flow-schema';
import { formatProblem } from '../../conversation/flow-validation';
import type { Clock } from '../../shared/clock';
import { HttpError } from '../error-handler';
import type { AdminPrincipal } from './admin-auth';
import { recordAudit } from './audit';
import type { AuditRepository } from './audit-repository';
import { parseInput } from './validation';
import { ok, type AdminOperation } from './admin-operations';

/** A flow id, or a template group: the file name without `.yaml` (`checkin` holds `checkin.*`). */
export const contentIdParams = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'ids are lower-case words joined by dashes, e.g. daily-check-in'),
});

/** `PUT /admin/api/flows/:id`: the flow's YAML, as in flows/<id>.yaml. */
export const flowDraftBody = z.strictObject({ content: z.string().min(1).max(100_000) });

/**
 * `PUT /admin/api/templates/:id`: either YAML by locale (a locale left out keeps its current text),
 * or the form view's entries, by template id then locale.
 */
export const templateDraftBody = z
  .strictObject({
    content: z.partialRecord(z.enum(locales), z.string().max(100_000)).optional(),
    entries: z.record(z.string(), z.partialRecord(z.enum(locales), z.unknown())).optional(),
  })
  .refine((body) => (body.content === undefined) !== (body.entries === undefined), 'send exactly one of content (YAML by locale) or entries');

/** `POST …/rollback`: the version to copy; the shipped file's number (see GET …/versions) is allowed. */
export const rollbackBody = z.strictObject({ version: z.int().min(0) });

/** `GET …/versions/:version`: one version's content. */
export const versionParams = contentIdParams.extend({ version: z.coerce.number().int().min(0) });

const selector = z.union([z.literal('live'), z.literal('draft'), z.coerce.number().int().min(0)]);

/** `GET …/diff?from=&to=`: version numbers, `live` or `draft`; by default what publishing would change. */
export const diffQuery = z.object({ from: selector.default('live'), to: selector.default('draft') });

function contentOperations(kind: 'flow' | 'template', draftBody: z.ZodType): AdminOperation[] {
  return [
    { method: 'get', path: '/', summary: `Every ${kind} with its live version and draft`, response: ok(`The ${kind}s`) },
    { method: 'get', path: '/:id', summary: `One ${kind}: live version, draft, parsed form`, params: contentIdParams, response: ok(`The ${kind}`) },
    { method: 'put', path: '/:id', summary: `Saves a draft, checked as startup checks the files`, params: contentIdParams, body: draftBody, response: ok('The saved draft') },
    { method: 'post', path: '/:id/publish', summary: 'Makes the draft live as the next version', params: contentIdParams, response: ok('The published version') },
    { method: 'get', path: '/:id/versions', summary: 'Published versions, newest first', params: contentIdParams, response: ok('The versions') },
    { method: 'get', path: '/:id/versions/:version', summary: 'One published version', params: versionParams, response: ok('The version') },
    { method: 'delete', path: '/:id/draft', summary: 'Discards the draft', params: contentIdParams, response: ok('Discarded') },
    { method: 'get', path: '/:id/diff', summary: 'A unified line diff between versions, live or draft', params: contentIdParams, query: diffQuery, response: ok('The diff') },
    { method: 'post', path: '/:id/rollback', summary: 'Publishes a copy of an earlier version', params: contentIdParams, body: rollbackBody, response: ok('The new version') },
    { method: 'post', path: '/:id/reset', summary: 'Publishes the shipped file again (reset to default)', params: contentIdParams, response: ok('The new version') },
  ];
}

export const flowOperations = contentOperations('flow', flowDraftBody);
export const templateOperations = contentOperations('template', templateDraftBody);

export interface ContentRouterDeps {
  content: ContentDeps;
  audit: AuditRepository;
  clock: Clock;
}

/** `/admin/api/flows`: flows edited as drafts, published as numbered versions. */
export function createFlowsRouter(deps: ContentRouterDeps): Router {
  return createContentRouter(deps, 'flow', {
    draftContent: async (_id, body) => parseInput(flowDraftBody, body).content,
    view: (content) => ({ flow: parsedOrNull(typeof content === 'string' ? content : '') }),
  });
}

/**
 * `/admin/api/templates`: one resource per template file name (`checkin` holds every `checkin.*`
 * template) with both locales in it, so a wording change is written, checked and published in
 * Traditional Chinese and English together.
 */
export function createTemplatesRouter(deps: ContentRouterDeps): Router {
  return createContentRouter(deps, 'template', {
    draftContent: async (id, body) => {
      const input = parseInput(templateDraftBody, body);
      return templateDraftContent(deps.content, id, input.entries ? { entries: input.entries } : { texts: input.content ?? {} });
    },
    view: (content) => ({ entries: templateEntries(content) }),
  });
}

function createContentRouter(
  deps: ContentRouterDeps,
  kind: ContentKind,
  shape: {
    draftContent: (id: string, body: unknown) => Promise<ContentText>;
    /** The parsed form of what is being edited (the draft, else the live content). */
    view: (content: ContentText) => Record<string, unknown>;
  },
): Router {
  const router = Router();
  const plural = kind === 'flow' ? 'flows' : 'templates';
  const now = () => deps.clock.now().toJSDate();
  const actor = (res: Response) => (res.locals.admin as AdminPrincipal | undefined)?.name ?? 'system';

  router.get('/', async (_req, res) => {
    res.json({ [plural]: await listResources(deps.content, kind) });
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(contentIdParams, req.params);
    const resource = await describeResource(deps.content, kind, id);
    if (resource === null) throw notFound(kind, id);
    const editing = resource.draft?.content ?? resource.live?.content;
    res.json({ ...resource, ...(editing !== undefined ? shape.view(editing) : {}) });
  });

  router.put('/:id', async (req, res) => {
    const { id } = parseInput(contentIdParams, req.params);
    const content = await shape.draftContent(id, req.body);
    const saved = await saveDraft(deps.content, kind, id, content, actor(res), now());
    if (saved.kind === 'invalid') throw invalid(saved, 'The draft was not saved');
    await recordAudit(deps.audit, res, {
      action: `${plural}.saveDraft`,
      resource: `${kind}:${id}`,
      before: saved.before?.content,
      after: saved.draft.content,
      at: saved.draft.savedAt,
    });
    const { content: savedContent, savedAt, savedBy, revision } = saved.draft;
    res.json({ id, draft: { content: savedContent, savedAt, savedBy, revision } });
  });

  router.post('/:id/publish', async (req, res) => {
    const { id } = parseInput(contentIdParams, req.params);
    const published = await publishDraft(deps.content, kind, id, actor(res), now());
    if (published.kind === 'noDraft') throw new HttpError(409, 'no_draft', `No draft of ${kind} ${id} to publish: PUT one first.`);
    await answerPublished(res, published, 'publish', id);
  });

  router.get('/:id/versions', async (req, res) => {
    const { id } = parseInput(contentIdParams, req.params);
    if ((await describeResource(deps.content, kind, id)) === null) throw notFound(kind, id);
    res.json({ id, versions: await listVersions(deps.content, kind, id) });
  });

  router.get('/:id/versions/:version', async (req, res) => {
    const { id, version } = parseInput(versionParams, req.params);
    const content = await versionContent(deps.content, kind, id, version);
    if (content === undefined) throw new HttpError(404, 'version_not_found', `${kind} ${id} has no version ${version}: GET …/versions lists them.`);
    res.json({ id, version, content, ...shape.view(content) });
  });

  router.delete('/:id/draft', async (req, res) => {
    const { id } = parseInput(contentIdParams, req.params);
    const discarded = await discardDraft(deps.content, kind, id);
    if (discarded === null) throw new HttpError(404, 'no_draft', `No draft of ${kind} ${id}.`);
    await recordAudit(deps.audit, res, {
      action: `${plural}.discardDraft`,
      resource: `${kind}:${id}`,
      before: discarded.content,
      after: null,
      at: now(),
    });
    res.json({ id, draft: null });
  });

  router.get('/:id/diff', async (req, res) => {
    const { id } = parseInput(contentIdParams, req.params);
    const { from, to } = parseInput(diffQuery, req.query);
    const diff = await diffContent(deps.content, kind, id, from, to);
    if (diff.kind === 'missing') {
      throw new HttpError(404, 'version_not_found', `${kind} ${id} has no ${typeof diff.which === 'number' ? `version ${diff.which}` : diff.which}.`);
    }
    res.json({ id, from, to, diff: diff.diff });
  });

  router.post('/:id/rollback', async (req, res) => {
    const { id } = parseInput(contentIdParams, req.params);
    const { version } = parseInput(rollbackBody, req.body);
    const published = await rollBack(deps.content, kind, id, version, actor(res), now());
    if (published.kind === 'noSuchVersion') {
      throw new HttpError(404, 'version_not_found', `${kind} ${id} has no version ${version}: GET …/versions lists them.`);
    }
    await answerPublished(res, published, 'rollback', id);
  });

  router.post('/:id/reset', async (req, res) => {
    const { id } = parseInput(contentIdParams, req.params);
    const published = await resetToShipped(deps.content, kind, id, actor(res), now());
    if (published.kind === 'notShipped') {
      throw new HttpError(409, 'not_shipped', `${kind} ${id} was created in the console; there is no shipped file to reset to.`);
    }
    await answerPublished(res, published, 'reset', id);
  });

  async function answerPublished(res: Response, outcome: Published | Invalid, verb: string, id: string): Promise<void> {
    if (outcome.kind === 'invalid') throw invalid(outcome, 'Nothing was published');
    const { version, content, publishedAt, publishedBy, source, fromVersion } = outcome.version;
    await recordAudit(deps.audit, res, {
      action: `${plural}.${verb}`,
      resource: `${kind}:${id}`,
      before: outcome.before && { version: outcome.before.version, content: outcome.before.content },
      after: { version, content },
      at: publishedAt,
    });
    res.json({ id, version, source, fromVersion, publishedAt, publishedBy });
  }

  return router;
}

function invalid(outcome: Invalid, what: string): HttpError {
  return new HttpError(
    400,
    'invalid_content',
    `${what}: the flows and templates would not pass the startup checks.\n${outcome.problems.map(formatProblem).join('\n')}`,
    outcome.problems,
  );
}

function notFound(kind: ContentKind, id: string): HttpError {
  return new HttpError(404, 'not_found', `No ${kind} ${id}: GET /admin/api/${kind === 'flow' ? 'flows' : 'templates'} lists them.`);
}

function parsedOrNull(text: string): unknown {
  try {
    return parseYaml(text) ?? null;
  } catch {
    return null;
  }
}
