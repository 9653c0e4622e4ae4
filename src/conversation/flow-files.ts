import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { FlowCatalog } from './flow-catalog';
import { locales, type Flow, type Locale } from './flow-schema';
import {
  CatalogError,
  parseFlow,
  parseTemplateFile,
  validateFlow,
  validateRunnerTemplates,
  validateTriggers,
  type ActionOutcomes,
  type Problem,
  type TemplateSet,
} from './flow-validation';

/** One YAML text of the catalog: a shipped file, a published version or a draft. */
export interface SourceFile {
  /** The resource id: the file name without `.yaml` (a flow id, or a template group like `checkin`). */
  id: string;
  /** How problems name it, e.g. `flows/signup.yaml` or `flows/signup.yaml (draft)`. */
  file: string;
  text: string;
}

export interface CatalogSources {
  flows: SourceFile[];
  templates: Record<Locale, SourceFile[]>;
}

export interface CatalogOptions {
  actions: ActionOutcomes;
  defaultLocale: Locale;
}

/**
 * Loads flows/*.yaml and templates/<locale>/*.yaml and validates them together; any problem
 * throws a CatalogError naming each file, path and reason, so a typo stops startup, not a chat.
 */
export function loadCatalogFromFiles(options: CatalogOptions & { flowsDir: string; templatesDir: string }): FlowCatalog {
  return buildCatalog(readShippedSources(options), options);
}

/** The shipped flows and templates as texts, so drafts and published versions can be laid over them. */
export function readShippedSources(options: { flowsDir: string; templatesDir: string }): CatalogSources {
  const templates = Object.fromEntries(
    locales.map((locale) => [locale, yamlFiles(join(options.templatesDir, locale)).map(readSource)]),
  ) as Record<Locale, SourceFile[]>;
  return { flows: yamlFiles(options.flowsDir).map(readSource), templates };
}

/**
 * Validates the sources together, as the server does at startup, and builds the catalog.
 * `olderFlows` are earlier versions that sessions in progress may still be on: reachable only
 * by (id, version), never by a trigger, and not checked again.
 */
export function buildCatalog(sources: CatalogSources, options: CatalogOptions, olderFlows: Flow[] = []): FlowCatalog {
  const problems: Problem[] = [];
  const templates = Object.fromEntries(locales.map((locale) => [locale, {}])) as TemplateSet;
  // A file that is not YAML would make every check after it report noise (missing templates, unknown steps): say only that.
  const parsedYaml = new Map<SourceFile, unknown>();
  for (const source of [...locales.flatMap((locale) => sources.templates[locale]), ...sources.flows]) {
    const { value, problem } = parseSource(source);
    if (problem) problems.push(problem);
    else parsedYaml.set(source, value);
  }
  if (problems.length > 0) throw new CatalogError(problems);

  for (const locale of locales) {
    for (const source of sources.templates[locale]) {
      const parsed = parseTemplateFile(parsedYaml.get(source), source.file);
      problems.push(...parsed.problems);
      for (const [id, template] of Object.entries(parsed.templates ?? {})) {
        if (id in templates[locale]) problems.push({ file: source.file, path: id, reason: 'defined twice' });
        templates[locale][id] = template;
      }
    }
  }
  problems.push(...validateRunnerTemplates(templates));

  const flows: { flow: Flow; file: string }[] = [];
  for (const source of sources.flows) {
    const parsed = parseFlow(parsedYaml.get(source), source.file);
    problems.push(...parsed.problems);
    if (parsed.flow === undefined) continue;
    if (parsed.flow.id !== source.id) {
      problems.push({ file: source.file, path: 'id', reason: `the id must match the file name (${source.id})` });
    }
    problems.push(...validateFlow(parsed.flow, source.file, templates, options.actions));
    flows.push({ flow: parsed.flow, file: source.file });
  }
  problems.push(...validateTriggers(flows));
  if (problems.length > 0) throw new CatalogError(problems);
  return new FlowCatalog(
    flows.map(({ flow }) => flow),
    templates,
    options.defaultLocale,
    olderFlows,
  );
}

/** Parses one YAML text; a syntax error becomes a problem with its line and column. */
export function parseSource(source: SourceFile): { value?: unknown; problem?: Problem } {
  try {
    return { value: parseYaml(source.text) };
  } catch (error) {
    const position = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
    return {
      problem: {
        file: source.file,
        path: '',
        reason: `not valid YAML: ${(error as Error).message}`,
        ...(position ? { line: position.line, column: position.col } : {}),
      },
    };
  }
}

function yamlFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => join(dir, name));
}

function readSource(file: string): SourceFile {
  return { id: basename(file).replace(/\.ya?ml$/, ''), file: relative(process.cwd(), file) || file, text: readFileSync(file, 'utf8') };
}
