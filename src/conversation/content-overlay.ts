import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import type { CatalogSources, SourceFile } from './flow-files';
import { parseSource } from './flow-files';
import { locales, type Flow, type Locale } from './flow-schema';
import { parseFlow } from './flow-validation';
import type { ContentKind, ContentText, PublishedVersion } from './content-version-repository';

/** One resource's content laid over the catalog: a published version, a draft, a version about to be published. */
export interface ContentLayer {
  kind: ContentKind;
  resourceId: string;
  content: ContentText;
  /** Says which text a problem is in, e.g. `draft` or `version 3`. */
  label: string;
}

export function flowFile(resourceId: string): string {
  return `flows/${resourceId}.yaml`;
}

export function templateFile(resourceId: string, locale: Locale): string {
  return `templates/${locale}/${resourceId}.yaml`;
}

/**
 * Replaces (or adds) each layer's files in the sources; later layers win.
 *
 * With `keepTemplatesUnderneath` (the live catalog), a template file is laid over the one it replaces template by
 * template: a template the layer does not define keeps the text underneath. A version published before an upgrade
 * added a template to its file then still builds, with the shipped wording for that template and the brand's for
 * the rest, instead of the whole catalog falling back to the shipped files. Drafts are checked without it, so a
 * marketer who deletes a template a flow says is told so.
 */
export function overlayContent(base: CatalogSources, layers: ContentLayer[], options: { keepTemplatesUnderneath?: boolean } = {}): CatalogSources {
  const flows = [...base.flows];
  const templates = Object.fromEntries(locales.map((locale) => [locale, [...base.templates[locale]]])) as Record<Locale, SourceFile[]>;
  const put = (files: SourceFile[], source: SourceFile) => {
    const index = files.findIndex((file) => file.id === source.id);
    if (index === -1) files.push(source);
    else files[index] = source;
  };
  for (const layer of layers) {
    if (layer.kind === 'flow') {
      put(flows, { id: layer.resourceId, file: `${flowFile(layer.resourceId)} (${layer.label})`, text: flowText(layer.content) });
      continue;
    }
    for (const locale of locales) {
      const own = templateTexts(layer.content)[locale];
      const underneath = options.keepTemplatesUnderneath ? templates[locale].find((file) => file.id === layer.resourceId)?.text : undefined;
      const text = withTemplatesUnderneath(own, underneath);
      put(templates[locale], { id: layer.resourceId, file: `${templateFile(layer.resourceId, locale)} (${layer.label})`, text });
    }
  }
  return { flows, templates };
}

/** The layer's template file with the templates only `underneath` defines added after its own; text that is not a YAML map is left to validation. */
export function withTemplatesUnderneath(text: string, underneath: string | undefined): string {
  if (underneath === undefined) return text;
  const layer = parseDocument(text);
  const below = parseDocument(underneath);
  if (layer.errors.length > 0 || below.errors.length > 0 || !isMap(below.contents)) return text;
  if (layer.contents === null) return underneath;
  if (!isMap(layer.contents)) return text;
  const layered: YAMLMap = layer.contents;
  const missing = below.contents.items.filter((pair) => !layered.has(isScalar(pair.key) ? pair.key.value : pair.key));
  if (missing.length === 0) return text;
  for (const pair of missing) layered.items.push(pair);
  // A flow-style `{}` with templates added would print them inline: block style reads like the shipped files.
  layered.flow = false;
  return layer.toString();
}

/** The newest version of each resource, as layers over the shipped files. */
export function latestLayers(versions: PublishedVersion[]): ContentLayer[] {
  const latest = new Map<string, PublishedVersion>();
  for (const version of versions) {
    const key = `${version.kind}:${version.resourceId}`;
    const current = latest.get(key);
    if (current === undefined || current.version < version.version) latest.set(key, version);
  }
  return [...latest.values()].map((version) => ({
    kind: version.kind,
    resourceId: version.resourceId,
    content: version.content,
    label: `version ${version.version}`,
  }));
}

/**
 * Every flow version a session may still be on: the shipped files and every published version.
 * They were validated when they went live; one that no longer parses is left out (its sessions restart).
 */
export function everyFlowVersion(shipped: CatalogSources, versions: PublishedVersion[]): Flow[] {
  const sources: SourceFile[] = [
    ...shipped.flows,
    ...versions
      .filter((version) => version.kind === 'flow')
      .map((version) => ({ id: version.resourceId, file: flowFile(version.resourceId), text: flowText(version.content) })),
  ];
  return sources.flatMap((source) => {
    const { value } = parseSource(source);
    const flow = value === undefined ? undefined : parseFlow(value, source.file).flow;
    return flow ? [flow] : [];
  });
}

/** What the shipped files hold for a resource, if it was shipped. */
export function shippedContent(shipped: CatalogSources, kind: ContentKind, resourceId: string): ContentText | undefined {
  if (kind === 'flow') return shipped.flows.find((file) => file.id === resourceId)?.text;
  const texts = locales.map((locale) => [locale, shipped.templates[locale].find((file) => file.id === resourceId)?.text] as const);
  if (texts.every(([, text]) => text === undefined)) return undefined;
  return Object.fromEntries(texts.map(([locale, text]) => [locale, text ?? emptyTemplateFile])) as Record<Locale, string>;
}

/**
 * The number the shipped file stands for: a flow's own `version:` (sessions started on it carry
 * that number), 0 for templates. Published versions are numbered after it.
 */
export function shippedVersion(shipped: CatalogSources, kind: ContentKind, resourceId: string): number {
  if (kind === 'template') return 0;
  const source = shipped.flows.find((file) => file.id === resourceId);
  if (source === undefined) return 0;
  const { value } = parseSource(source);
  const version = (value as { version?: unknown } | undefined)?.version;
  return typeof version === 'number' && Number.isInteger(version) ? version : 0;
}

/** Ids of the resources of a kind that ship as files. */
export function shippedIds(shipped: CatalogSources, kind: ContentKind): string[] {
  const files = kind === 'flow' ? shipped.flows : locales.flatMap((locale) => shipped.templates[locale]);
  return [...new Set(files.map((file) => file.id))].sort();
}

/** The flow's YAML with `version:` set to its published number, comments and layout kept. */
export function withFlowVersion(text: string, version: number): string {
  const document = parseDocument(text);
  if (document.errors.length > 0 || !isMap(document.contents)) return text;
  document.set('version', version);
  return document.toString();
}

export const emptyTemplateFile = '{}\n';

export function flowText(content: ContentText): string {
  return typeof content === 'string' ? content : '';
}

export function templateTexts(content: ContentText): Record<Locale, string> {
  if (typeof content === 'string') return Object.fromEntries(locales.map((locale) => [locale, emptyTemplateFile])) as Record<Locale, string>;
  return Object.fromEntries(locales.map((locale) => [locale, content[locale] ?? emptyTemplateFile])) as Record<Locale, string>;
}
