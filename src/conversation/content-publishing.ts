import { createTwoFilesPatch } from 'diff';
import { isDeepStrictEqual } from 'node:util';
import { isMap, isNode, isScalar, isSeq, parse as parseYaml, parseDocument, stringify as stringifyYaml, type Document } from 'yaml';
import {
  emptyTemplateFile,
  flowFile,
  flowText,
  overlayContent,
  shippedContent,
  shippedIds,
  shippedVersion,
  templateFile,
  templateTexts,
  withFlowVersion,
  withTemplatesUnderneath,
  type ContentLayer,
} from './content-overlay';
import type { ContentKind, ContentText, ContentVersionRepository, Draft, PublishedVersion, VersionSource } from './content-version-repository';
import type { FlowCatalog } from './flow-catalog';
import { buildCatalog, type CatalogOptions, type CatalogSources } from './flow-files';
import { locales, type Locale } from './flow-schema';
import { CatalogError, type Problem } from './flow-validation';
import type { LiveCatalog } from './live-catalog';

export interface ContentDeps {
  contentVersions: ContentVersionRepository;
  live: LiveCatalog;
  shipped: CatalogSources;
  options: CatalogOptions;
}

/** What is live for a resource: the shipped file, or a published version. */
export interface LiveContent {
  version: number;
  source: 'shipped' | VersionSource;
  content: ContentText;
  publishedAt: Date | null;
  publishedBy: string | null;
}

export interface ResourceState {
  kind: ContentKind;
  id: string;
  shipped: boolean;
  live: LiveContent | null;
  draft: Omit<Draft, 'kind' | 'resourceId'> | null;
}

export type Published = { kind: 'published'; version: PublishedVersion; before: LiveContent | null };
export type Invalid = { kind: 'invalid'; problems: Problem[] };

export async function describeResource(deps: ContentDeps, kind: ContentKind, id: string): Promise<ResourceState | null> {
  const [latest, draft] = await Promise.all([deps.contentVersions.latest(kind, id), deps.contentVersions.draft(kind, id)]);
  const shipped = shippedContent(deps.shipped, kind, id);
  if (latest === null && draft === null && shipped === undefined) return null;
  return {
    kind,
    id,
    shipped: shipped !== undefined,
    live: liveContent(deps, kind, id, latest),
    draft: draft && { content: draft.content, savedAt: draft.savedAt, savedBy: draft.savedBy, revision: draft.revision },
  };
}

export async function listResources(deps: ContentDeps, kind: ContentKind): Promise<Omit<ResourceState, 'live' | 'draft'>[]> {
  const [versions, drafts] = await Promise.all([deps.contentVersions.allVersions(), deps.contentVersions.drafts()]);
  const ids = new Set([
    ...shippedIds(deps.shipped, kind),
    ...versions.filter((version) => version.kind === kind).map((version) => version.resourceId),
    ...drafts.filter((draft) => draft.kind === kind).map((draft) => draft.resourceId),
  ]);
  return [...ids].sort().map((id) => {
    const latest = versions.filter((version) => version.kind === kind && version.resourceId === id).at(-1) ?? null;
    const draft = drafts.find((candidate) => candidate.kind === kind && candidate.resourceId === id);
    const live = liveContent(deps, kind, id, latest);
    return {
      kind,
      id,
      shipped: shippedContent(deps.shipped, kind, id) !== undefined,
      live: live && { version: live.version, source: live.source, publishedAt: live.publishedAt, publishedBy: live.publishedBy },
      draft: draft ? { savedAt: draft.savedAt, savedBy: draft.savedBy } : null,
    };
  });
}

/**
 * Saves a draft once it passes the checks the server runs at startup, on the whole live catalog
 * with this draft laid over it. Live chats never see a draft.
 */
export async function saveDraft(
  deps: ContentDeps,
  kind: ContentKind,
  id: string,
  content: ContentText,
  actor: string,
  now: Date,
): Promise<{ kind: 'saved'; draft: Draft; before: Draft | null } | Invalid> {
  await deps.live.refreshIfChanged();
  const problems = problemsWith(deps, { kind, resourceId: id, content, label: 'draft' });
  if (problems.length > 0) return { kind: 'invalid', problems };
  const before = await deps.contentVersions.draft(kind, id);
  const draft = await deps.contentVersions.saveDraft(kind, id, content, actor, now);
  return { kind: 'saved', draft, before };
}

/** The draft goes live as the next version; servers sharing the database follow within a poll. */
export async function publishDraft(
  deps: ContentDeps,
  kind: ContentKind,
  id: string,
  actor: string,
  now: Date,
): Promise<Published | Invalid | { kind: 'noDraft' }> {
  const draft = await deps.contentVersions.draft(kind, id);
  if (draft === null) return { kind: 'noDraft' };
  const published = await publishContent(deps, kind, id, { content: draft.content, source: 'draft', fromVersion: null }, actor, now);
  if (published.kind === 'published') await deps.contentVersions.discardDraft(kind, id, draft.revision);
  return published;
}

/** Throws the draft away; what is live stays as it is. */
export async function discardDraft(deps: ContentDeps, kind: ContentKind, id: string): Promise<Draft | null> {
  const draft = await deps.contentVersions.draft(kind, id);
  if (draft === null || !(await deps.contentVersions.discardDraft(kind, id))) return null;
  return draft;
}

/** One version's content: a published one, or the shipped file by its number. */
export async function versionContent(deps: ContentDeps, kind: ContentKind, id: string, version: number): Promise<ContentText | undefined> {
  const published = await deps.contentVersions.version(kind, id, version);
  if (published !== null) return published.content;
  const shipped = shippedContent(deps.shipped, kind, id);
  return shipped !== undefined && version === shippedVersion(deps.shipped, kind, id) ? shipped : undefined;
}

/** A copy of an earlier version (or of the shipped file, by its number) goes live as the next version. */
export async function rollBack(
  deps: ContentDeps,
  kind: ContentKind,
  id: string,
  toVersion: number,
  actor: string,
  now: Date,
): Promise<Published | Invalid | { kind: 'noSuchVersion' }> {
  const content = await versionContent(deps, kind, id, toVersion);
  if (content === undefined) return { kind: 'noSuchVersion' };
  return publishContent(deps, kind, id, { content, source: 'rollback', fromVersion: toVersion }, actor, now);
}

/** The shipped file's content goes live as the next version: back to the default wording or steps. */
export async function resetToShipped(
  deps: ContentDeps,
  kind: ContentKind,
  id: string,
  actor: string,
  now: Date,
): Promise<Published | Invalid | { kind: 'notShipped' }> {
  const content = shippedContent(deps.shipped, kind, id);
  if (content === undefined) return { kind: 'notShipped' };
  const fromVersion = shippedVersion(deps.shipped, kind, id);
  return publishContent(deps, kind, id, { content, source: 'reset', fromVersion }, actor, now);
}

export async function listVersions(deps: ContentDeps, kind: ContentKind, id: string) {
  const versions: { version: number; source: 'shipped' | VersionSource; fromVersion: number | null; publishedAt: Date | null; publishedBy: string | null }[] =
    await deps.contentVersions.versions(kind, id);
  if (shippedContent(deps.shipped, kind, id) !== undefined) {
    versions.push({ version: shippedVersion(deps.shipped, kind, id), source: 'shipped', fromVersion: null, publishedAt: null, publishedBy: null });
  }
  return versions.map(({ version, source, fromVersion, publishedAt, publishedBy }) => ({ version, source, fromVersion, publishedAt, publishedBy }));
}

/** `live`, `draft` or a version number (the shipped file's number included). */
export type ContentSelector = number | 'live' | 'draft';

/** A unified line diff between two versions, the draft or what is live; per locale for templates. */
export async function diffContent(
  deps: ContentDeps,
  kind: ContentKind,
  id: string,
  from: ContentSelector,
  to: ContentSelector,
): Promise<{ kind: 'diff'; diff: string } | { kind: 'missing'; which: ContentSelector }> {
  const [fromContent, toContent] = await Promise.all([selectContent(deps, kind, id, from), selectContent(deps, kind, id, to)]);
  if (fromContent === undefined) return { kind: 'missing', which: from };
  if (toContent === undefined) return { kind: 'missing', which: to };
  if (kind === 'flow') {
    const file = flowFile(id);
    return { kind: 'diff', diff: createTwoFilesPatch(file, file, flowText(fromContent), flowText(toContent), String(from), String(to)) };
  }
  const before = templateTexts(fromContent);
  const after = templateTexts(toContent);
  const diff = locales
    .filter((locale) => before[locale] !== after[locale])
    .map((locale) => {
      const file = templateFile(id, locale);
      return createTwoFilesPatch(file, file, before[locale], after[locale], String(from), String(to));
    })
    .join('');
  return { kind: 'diff', diff };
}

/** The template group's entries by id, then locale: for a form that edits both languages side by side. */
export function templateEntries(content: ContentText): Record<string, Record<string, unknown>> {
  const entries: Record<string, Record<string, unknown>> = {};
  const texts = templateTexts(content);
  for (const locale of locales) {
    let parsed: unknown;
    try {
      parsed = parseYaml(texts[locale]);
    } catch {
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    for (const [id, template] of Object.entries(parsed)) {
      entries[id] = { ...entries[id], [locale]: template };
    }
  }
  return entries;
}

/**
 * The catalog with every saved draft laid over the live one: what the admin preview chats on.
 * Each draft passed alone; two drafts can still clash (a template draft drops a key a flow draft uses).
 */
export async function draftCatalog(deps: ContentDeps): Promise<{ kind: 'catalog'; catalog: FlowCatalog } | Invalid> {
  const drafts = await deps.contentVersions.drafts();
  const layers = drafts.map((draft) => ({ kind: draft.kind, resourceId: draft.resourceId, content: draft.content, label: 'draft' }));
  try {
    return { kind: 'catalog', catalog: buildCatalog(overlayContent(deps.live.sources(), layers), deps.options) };
  } catch (error) {
    if (error instanceof CatalogError) return { kind: 'invalid', problems: error.problems };
    throw error;
  }
}

async function publishContent(
  deps: ContentDeps,
  kind: ContentKind,
  id: string,
  entry: { content: ContentText; source: VersionSource; fromVersion: number | null },
  actor: string,
  now: Date,
): Promise<Published | Invalid> {
  // Another server may have published since this one last looked: validate against the newest live catalog.
  await deps.live.refreshIfChanged();
  const problems = problemsWith(deps, { kind, resourceId: id, content: entry.content, label: 'to publish' });
  if (problems.length > 0) return { kind: 'invalid', problems };
  const before = liveContent(deps, kind, id, await deps.contentVersions.latest(kind, id));
  const version = await deps.contentVersions.publish(
    kind,
    id,
    {
      contentFor: (number) => (kind === 'flow' ? withFlowVersion(flowText(entry.content), number) : entry.content),
      after: shippedVersion(deps.shipped, kind, id),
      source: entry.source,
      fromVersion: entry.fromVersion,
    },
    actor,
    now,
  );
  await deps.contentVersions.bumpCatalogRevision(now);
  await deps.live.refresh();
  return { kind: 'published', version, before };
}

function problemsWith(deps: ContentDeps, layer: ContentLayer): Problem[] {
  try {
    buildCatalog(overlayContent(deps.live.sources(), [layer]), deps.options);
    return [];
  } catch (error) {
    if (error instanceof CatalogError) return error.problems;
    throw error;
  }
}

function withShippedTemplates(shipped: CatalogSources, id: string, content: ContentText): ContentText {
  const shippedTexts = shippedContent(shipped, 'template', id);
  if (shippedTexts === undefined || typeof shippedTexts === 'string') return content;
  const own = templateTexts(content);
  return Object.fromEntries(locales.map((locale) => [locale, withTemplatesUnderneath(own[locale], shippedTexts[locale])])) as Record<Locale, string>;
}

function liveContent(deps: ContentDeps, kind: ContentKind, id: string, latest: PublishedVersion | null): LiveContent | null {
  if (latest !== null) {
    return {
      version: latest.version,
      source: latest.source,
      // As the chats have it: templates shipped since this version was published (an upgrade) are said in the shipped
      // wording, so an edit starts from a file that has them.
      content: kind === 'template' ? withShippedTemplates(deps.shipped, id, latest.content) : latest.content,
      publishedAt: latest.publishedAt,
      publishedBy: latest.publishedBy,
    };
  }
  const shipped = shippedContent(deps.shipped, kind, id);
  if (shipped === undefined) return null;
  return { version: shippedVersion(deps.shipped, kind, id), source: 'shipped', content: shipped, publishedAt: null, publishedBy: null };
}

async function selectContent(deps: ContentDeps, kind: ContentKind, id: string, selector: ContentSelector): Promise<ContentText | undefined> {
  if (selector === 'draft') return (await deps.contentVersions.draft(kind, id))?.content;
  if (selector === 'live') return liveContent(deps, kind, id, await deps.contentVersions.latest(kind, id))?.content;
  return versionContent(deps, kind, id, selector);
}

/**
 * A template draft from what the console sends: YAML for some locales (the others keep the
 * current draft's or live text), or the form's entries by id and locale.
 */
export async function templateDraftContent(
  deps: ContentDeps,
  id: string,
  input: { texts: Partial<Record<Locale, string>> } | { entries: Record<string, Partial<Record<Locale, unknown>>> },
): Promise<Record<Locale, string>> {
  const current = await describeResource(deps, 'template', id);
  const base = templateTexts(current?.draft?.content ?? current?.live?.content ?? '');
  if ('entries' in input) {
    const entries = input.entries;
    return Object.fromEntries(
      locales.map((locale) => {
        const templates = Object.entries(entries).flatMap(([templateId, byLocale]) =>
          byLocale[locale] === undefined ? [] : [[templateId, byLocale[locale]] as const],
        );
        return [locale, templates.length === 0 ? emptyTemplateFile : writeEntries(base[locale], templates)];
      }),
    ) as Record<Locale, string>;
  }
  return Object.fromEntries(locales.map((locale) => [locale, input.texts[locale] ?? base[locale]])) as Record<Locale, string>;
}

/**
 * The form's templates written into the current YAML text, changing only the values that differ:
 * comments, quoting and one-line lists survive, so the diff a marketer is shown before publishing
 * holds the wording they changed and nothing else. Text that does not parse is written afresh.
 */
function writeEntries(text: string, templates: (readonly [string, unknown])[]): string {
  const document = parseDocument(text);
  if (document.errors.length > 0 || !isMap(document.contents)) return stringifyYaml(Object.fromEntries(templates));
  const wanted = new Set(templates.map(([templateId]) => templateId));
  for (const pair of [...document.contents.items]) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    if (typeof key === 'string' && !wanted.has(key)) document.delete(key);
  }
  for (const [templateId, template] of templates) writeChanged(document, [templateId], template);
  // No folding: a long line the marketer did not touch must come back as it was.
  return document.toString({ lineWidth: 0 });
}

function writeChanged(document: Document, path: (string | number)[], value: unknown): void {
  const node = document.getIn(path, true);
  const current = isNode(node) ? node.toJSON() : node;
  if (isDeepStrictEqual(current, value)) return;
  if (isScalar(node) && typeof value === 'string' && typeof node.value === 'string') {
    node.value = value; // keeps the scalar's quoting style
    return;
  }
  if (isMap(node) && isPlainObject(value) && isPlainObject(current)) {
    for (const key of Object.keys(current)) if (!(key in value)) document.deleteIn([...path, key]);
    for (const [key, child] of Object.entries(value)) writeChanged(document, [...path, key], child);
    return;
  }
  if (isSeq(node) && Array.isArray(value) && Array.isArray(current) && value.length === current.length) {
    value.forEach((child, index) => writeChanged(document, [...path, index], child));
    return;
  }
  document.setIn(path, value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
