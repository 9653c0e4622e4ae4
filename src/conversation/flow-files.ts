import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
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

/**
 * Loads flows/*.yaml and templates/<locale>/*.yaml and validates them together; any problem
 * throws a CatalogError naming each file, path and reason, so a typo stops startup, not a chat.
 */
export function loadCatalogFromFiles(options: {
  flowsDir: string;
  templatesDir: string;
  actions: ActionOutcomes;
  defaultLocale: Locale;
}): FlowCatalog {
  const problems: Problem[] = [];
  const templates = Object.fromEntries(locales.map((locale) => [locale, {}])) as TemplateSet;
  for (const locale of locales) {
    for (const file of yamlFiles(join(options.templatesDir, locale))) {
      const { value, problem } = readYaml(file);
      if (problem) {
        problems.push(problem);
        continue;
      }
      const parsed = parseTemplateFile(value, displayPath(file));
      problems.push(...parsed.problems);
      for (const [id, template] of Object.entries(parsed.templates ?? {})) {
        if (id in templates[locale]) problems.push({ file: displayPath(file), path: id, reason: 'defined twice' });
        templates[locale][id] = template;
      }
    }
  }
  problems.push(...validateRunnerTemplates(templates));

  const flows: { flow: Flow; file: string }[] = [];
  for (const file of yamlFiles(options.flowsDir)) {
    const { value, problem } = readYaml(file);
    if (problem) {
      problems.push(problem);
      continue;
    }
    const parsed = parseFlow(value, displayPath(file));
    problems.push(...parsed.problems);
    if (parsed.flow === undefined) continue;
    if (parsed.flow.id !== basename(file).replace(/\.ya?ml$/, '')) {
      problems.push({ file: displayPath(file), path: 'id', reason: `the id must match the file name (${parsed.flow.id}.yaml)` });
    }
    problems.push(...validateFlow(parsed.flow, displayPath(file), templates, options.actions));
    flows.push({ flow: parsed.flow, file: displayPath(file) });
  }
  problems.push(...validateTriggers(flows));
  if (problems.length > 0) throw new CatalogError(problems);
  return new FlowCatalog(
    flows.map(({ flow }) => flow),
    templates,
    options.defaultLocale,
  );
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

function readYaml(file: string): { value?: unknown; problem?: Problem } {
  try {
    return { value: parseYaml(readFileSync(file, 'utf8')) };
  } catch (error) {
    return { problem: { file: displayPath(file), path: '', reason: `not valid YAML: ${(error as Error).message}` } };
  }
}

function displayPath(file: string): string {
  return relative(process.cwd(), file) || file;
}
