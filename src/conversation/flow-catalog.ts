import type { Flow, Locale, Template } from './flow-schema';
import type { Variables } from './flow-engine';
import { normaliseKeyword, parsePattern, type TemplateSet } from './flow-validation';

/** The flows and templates in force, looked up by trigger. Flows keep every version they had. */
export class FlowCatalog {
  private readonly versions = new Map<string, Map<number, Flow>>();
  private readonly latestById = new Map<string, Flow>();
  private readonly byIntent = new Map<string, Flow>();
  private readonly byKeyword = new Map<string, Flow>();
  private readonly patterns: { prefix: string; matcher: RegExp; variable: string; flow: Flow }[] = [];
  private followFlow: Flow | undefined;
  private fallbackFlow: Flow | undefined;

  constructor(
    flows: Flow[],
    readonly templates: TemplateSet,
    readonly defaultLocale: Locale,
    /** Earlier versions sessions in progress may be on: found by (id, version) only, never by a trigger. */
    olderFlows: Flow[] = [],
  ) {
    for (const flow of flows) this.add(flow);
    for (const flow of olderFlows) this.keepVersion(flow);
  }

  private keepVersion(flow: Flow): void {
    const versions = this.versions.get(flow.id) ?? new Map<number, Flow>();
    if (!versions.has(flow.version)) versions.set(flow.version, flow);
    this.versions.set(flow.id, versions);
  }

  private add(flow: Flow): void {
    const versions = this.versions.get(flow.id) ?? new Map<number, Flow>();
    versions.set(flow.version, flow);
    this.versions.set(flow.id, versions);
    const current = this.latestById.get(flow.id);
    if (current !== undefined && current.version > flow.version) return;
    this.latestById.set(flow.id, flow);
    flow.trigger.intents.forEach((intent) => this.byIntent.set(intent, flow));
    Object.values(flow.trigger.keywords).forEach((keywords) =>
      keywords?.forEach((keyword) => this.byKeyword.set(normaliseKeyword(keyword), flow)),
    );
    Object.values(flow.trigger.patterns).forEach((patterns) =>
      patterns?.forEach((pattern) => {
        const { prefix, variable } = parsePattern(pattern);
        this.patterns.push({ prefix, matcher: patternMatcher(prefix), variable, flow });
      }),
    );
    // Longest prefix first, so "collect points {code}" wins over "collect {code}".
    this.patterns.sort((a, b) => b.prefix.length - a.prefix.length);
    if (flow.trigger.follow) this.followFlow = flow;
    if (flow.trigger.fallback) this.fallbackFlow = flow;
  }

  version(id: string, version: number): Flow | undefined {
    return this.versions.get(id)?.get(version);
  }

  latest(id: string): Flow | undefined {
    return this.latestById.get(id);
  }

  forIntent(intent: string): Flow | undefined {
    return this.byIntent.get(intent);
  }

  forKeyword(text: string): Flow | undefined {
    return this.byKeyword.get(normaliseKeyword(text));
  }

  /** A whole-message keyword, else a pattern whose words start the message ("COLLECT AB12CD34"). */
  forText(text: string): { flow: Flow; variables: Variables } | undefined {
    const keywordFlow = this.forKeyword(text);
    if (keywordFlow) return { flow: keywordFlow, variables: {} };
    const message = text.normalize('NFKC').trim();
    for (const pattern of this.patterns) {
      const value = pattern.matcher.exec(message)?.[1]?.trim();
      if (value) return { flow: pattern.flow, variables: { [pattern.variable]: value } };
    }
    return undefined;
  }

  forFollow(): Flow | undefined {
    return this.followFlow;
  }

  forFallback(): Flow | undefined {
    return this.fallbackFlow;
  }

  /** Whether `template` answers for this id in every locale (there, or through the default locale's). */
  hasTemplate(id: string): boolean {
    return Object.values(this.templates).every((byId) => (byId[id] ?? this.templates[this.defaultLocale][id]) !== undefined);
  }

  template(id: string, locale: Locale): Template {
    const template = this.templates[locale][id] ?? this.templates[this.defaultLocale][id];
    if (template === undefined) throw new Error(`No template ${id}: the catalog was validated without it`);
    return template;
  }
}

/**
 * "collect" must be followed by a space ("collection" is not a command); "集點" need not be
 * ("集點K7QM…"), since Chinese is written without spaces.
 */
function patternMatcher(prefix: string): RegExp {
  const words = prefix.split(' ').map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const separator = /[a-z0-9]$/i.test(prefix) ? '\\s+' : '\\s*';
  return new RegExp(`^${words.join('\\s+')}${separator}(.+)$`, 'i');
}
