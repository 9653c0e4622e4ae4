import type { z } from 'zod';
import { flowSchema, locales, templateFileSchema, type Flow, type Locale, type Template } from './flow-schema';
import { tierPhraseTemplates } from './actions/tier-wording';
import { optOutFooterProblem, optOutFooterTemplate } from '../broadcasts/broadcast';
import { renderTemplate } from './template-rendering';

export type TemplateSet = Record<Locale, Record<string, Template>>;

/** Action name → the outcomes it can return; `on:` of an action step must route every one. */
export type ActionOutcomes = Record<string, readonly string[]>;

/** Templates said outside any flow: by the runner itself, and the footer every broadcast ends with. */
export const runnerTemplates = [
  'common.gave-up',
  'common.members-only',
  'common.error',
  'common.slow-down',
  'common.expired-question',
  'notice.points-expiring',
  'notice.birthday',
  'notice.mission-completed',
  'notice.tier-upgraded',
  'notice.tier-downgraded',
  'notice.referral-joined',
  'notice.referral-joined-bonus',
  ...tierPhraseTemplates,
  optOutFooterTemplate,
] as const;

export interface Problem {
  file: string;
  path: string;
  reason: string;
  /** Where a YAML syntax error is, 1-based. */
  line?: number;
  column?: number;
}

export class CatalogError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`The flows or templates are invalid:\n${problems.map(formatProblem).join('\n')}`);
  }
}

export function formatProblem(problem: Problem): string {
  const where = problem.line !== undefined ? ` line ${problem.line}, column ${problem.column}` : '';
  return `  ${problem.file}${where}${problem.path ? ` at ${problem.path}` : ''}: ${problem.reason}`;
}

export function parseFlow(raw: unknown, file: string): { flow?: Flow; problems: Problem[] } {
  const parsed = flowSchema.safeParse(raw);
  return parsed.success ? { flow: parsed.data, problems: [] } : { problems: schemaProblems(parsed.error, file) };
}

export function parseTemplateFile(raw: unknown, file: string): { templates?: Record<string, Template>; problems: Problem[] } {
  const parsed = templateFileSchema.safeParse(raw);
  return parsed.success ? { templates: parsed.data, problems: [] } : { problems: schemaProblems(parsed.error, file) };
}

function schemaProblems(error: z.ZodError, file: string): Problem[] {
  return error.issues.map((issue) => ({ file, path: issue.path.join('.'), reason: issue.message }));
}

/** Checks what a schema cannot: that every name a flow uses exists, and every route is covered. */
export function validateFlow(flow: Flow, file: string, templates: TemplateSet, actions: ActionOutcomes): Problem[] {
  const problems: Problem[] = [];
  const report = (path: string, reason: string) => problems.push({ file, path, reason });
  const stepIds = Object.keys(flow.steps);
  const checkStep = (path: string, target: string | undefined) => {
    if (target !== undefined && !(target in flow.steps)) {
      report(path, `no step "${target}" (steps are: ${stepIds.join(', ')})`);
    }
  };
  const checkTemplate = (path: string, id: string | undefined) => {
    if (id === undefined) return;
    for (const locale of locales) {
      if (!(id in templates[locale])) report(path, `no template "${id}" in templates/${locale}`);
    }
  };

  checkStep('start', flow.start);
  for (const [id, step] of Object.entries(flow.steps)) {
    const at = `steps.${id}`;
    switch (step.kind) {
      case 'say':
        checkTemplate(`${at}.template`, step.template);
        checkStep(`${at}.next`, step.next);
        break;
      case 'end':
        checkTemplate(`${at}.template`, step.template);
        break;
      case 'action': {
        const outcomes = actions[step.action];
        if (outcomes === undefined) {
          report(`${at}.action`, `no action "${step.action}" (actions are: ${Object.keys(actions).join(', ')})`);
          break;
        }
        for (const outcome of outcomes) {
          if (!(outcome in step.on)) report(`${at}.on`, `outcome "${outcome}" of ${step.action} has no step`);
        }
        for (const [outcome, target] of Object.entries(step.on)) {
          if (!outcomes.includes(outcome)) {
            report(`${at}.on.${outcome}`, `${step.action} has no outcome "${outcome}" (it has: ${outcomes.join(', ')})`);
          }
          checkStep(`${at}.on.${outcome}`, target);
        }
        break;
      }
      case 'ask': {
        checkTemplate(`${at}.template`, step.template);
        checkTemplate(`${at}.retryTemplate`, step.retryTemplate);
        const options = step.input.type === 'choice' ? step.input.options : [];
        if (step.on !== undefined) {
          if (step.input.type !== 'choice') report(`${at}.on`, 'only a choice question can route by answer; use next');
          for (const [option, target] of Object.entries(step.on)) {
            if (!options.includes(option)) report(`${at}.on.${option}`, `"${option}" is not one of the options`);
            checkStep(`${at}.on.${option}`, target);
          }
          const unrouted = options.filter((option) => !(option in step.on!));
          if (unrouted.length > 0 && step.next === undefined) {
            report(`${at}.on`, `options ${unrouted.join(', ')} have no step and there is no next`);
          }
        } else if (step.next === undefined) {
          report(at, 'a question needs next (or on: for a choice)');
        }
        checkStep(`${at}.next`, step.next);
        const answerable = step.optional ? [...options, 'skip'] : options;
        for (const locale of locales) {
          const template = templates[locale][step.template];
          if (template === undefined) continue;
          const answers = (template.choices ?? []).flatMap((choice) => ('answer' in choice ? [choice.answer] : []));
          for (const option of options) {
            if (!answers.includes(option)) {
              report(`${at}.template`, `templates/${locale} ${step.template} has no button with answer: ${option}`);
            }
          }
          for (const answer of answers) {
            if (!answerable.includes(answer)) {
              report(`${at}.template`, `templates/${locale} ${step.template} has a button answer: ${answer} the question does not take`);
            }
          }
        }
        break;
      }
    }
  }

  for (const unreachable of stepIds.filter((id) => !reachableSteps(flow).has(id))) {
    report(`steps.${unreachable}`, 'no step leads here (a typo in a next: or on:?)');
  }
  return problems;
}

function reachableSteps(flow: Flow): Set<string> {
  const seen = new Set<string>();
  const queue = [flow.start];
  while (queue.length > 0) {
    const id = queue.pop()!;
    const step = flow.steps[id];
    if (seen.has(id) || step === undefined) continue;
    seen.add(id);
    if (step.kind === 'say') queue.push(step.next);
    if (step.kind === 'action') queue.push(...Object.values(step.on));
    if (step.kind === 'ask') queue.push(...Object.values(step.on ?? {}), ...(step.next ? [step.next] : []));
  }
  return seen;
}

/** Checks the flows against each other: triggers must not collide. */
export function validateTriggers(flows: { flow: Flow; file: string }[]): Problem[] {
  const problems: Problem[] = [];
  const owners = new Map<string, string>();
  const claim = (key: string, label: string, file: string, path: string) => {
    const owner = owners.get(key);
    if (owner !== undefined) problems.push({ file, path, reason: `${label} is already used by ${owner}` });
    else owners.set(key, file);
  };
  for (const { flow, file } of flows) {
    flow.trigger.intents.forEach((intent) => claim(`intent:${intent}`, `intent "${intent}"`, file, 'trigger.intents'));
    for (const keywords of Object.values(flow.trigger.keywords)) {
      keywords?.forEach((keyword) =>
        claim(`keyword:${normaliseKeyword(keyword)}`, `keyword "${keyword}"`, file, 'trigger.keywords'),
      );
    }
    for (const patterns of Object.values(flow.trigger.patterns)) {
      patterns?.forEach((pattern) =>
        claim(`pattern:${parsePattern(pattern).prefix}`, `pattern "${pattern}"`, file, 'trigger.patterns'),
      );
    }
    if (flow.trigger.follow) claim('follow', 'the follow trigger', file, 'trigger.follow');
    if (flow.trigger.fallback) claim('fallback', 'the fallback trigger', file, 'trigger.fallback');
  }
  return problems;
}

export function validateRunnerTemplates(templates: TemplateSet): Problem[] {
  return locales.flatMap((locale) => {
    const missing = runnerTemplates
      .filter((id) => !(id in templates[locale]))
      .map((id) => ({ file: `templates/${locale}`, path: id, reason: 'the runner needs this template' }));
    const footer = templates[locale][optOutFooterTemplate];
    const footerProblem = footer === undefined ? null : optOutFooterProblem(renderTemplate(footer, { name: 'Amy' }));
    return footerProblem === null ? missing : [...missing, { file: `templates/${locale}`, path: optOutFooterTemplate, reason: footerProblem }];
  });
}

/** Keywords match whole messages, ignoring case, width (ＡＢＣ = ABC) and surrounding spaces. */
export function normaliseKeyword(text: string): string {
  return text.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');
}

/** "集點 {code}" → prefix "集點", variable "code"; matching ignores case, width and spacing. */
export function parsePattern(pattern: string): { prefix: string; variable: string } {
  const match = /^(.*?)\s*\{([a-zA-Z][a-zA-Z0-9]*)\}$/.exec(pattern);
  if (!match) throw new Error(`Not a pattern: ${pattern}`);
  return { prefix: normaliseKeyword(match[1]!), variable: match[2]! };
}
