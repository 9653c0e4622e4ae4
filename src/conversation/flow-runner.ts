import type { DateTime } from 'luxon';
import { identityKeyOf, type InboundEvent, type OutboundMessage } from '../channels/channel';
import type { ChannelIdentity, IdentityRepository } from '../loyalty/members/identity-repository';
import type { MemberId } from '../shared/ids';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import type { AnswerInput } from './answer-parsing';
import type { FlowCatalog } from './flow-catalog';
import type { FlowActions } from './flow-actions';
import { advance, type Advance, type EngineInput, type FlowPosition, type Utterance, type Variables } from './flow-engine';
import { locales, type Flow, type Locale } from './flow-schema';
import type { SessionRepository, Session } from './session-repository';
import { answerForTypedLabel, renderTemplate } from './template-rendering';

export interface FlowRunnerDeps {
  /** A function, so that publishing flows can swap the catalog without restarting. */
  catalog: () => FlowCatalog;
  sessions: SessionRepository;
  identities: IdentityRepository;
  actions: FlowActions;
  clock: Clock;
  sessionIdleMinutes: number;
  defaultLocale: Locale;
  /** Programme-wide variables every template may use, e.g. termsVersion. */
  programmeVariables: Variables;
  /** Messages jobs left for a member's next chat (expiry reminders, birthday wishes). */
  notices: { take(memberId: MemberId): Promise<Utterance[]> };
  logger: Logger;
}

export interface FlowRunner {
  /** One turn: the event in, the replies out. Never throws: a failure becomes the apology. */
  handle(event: InboundEvent): Promise<OutboundMessage[]>;
  /** One turn that rejects when it fails, for a caller that retries (the inbox, while the database is away). */
  run(event: InboundEvent): Promise<OutboundMessage[]>;
  /** What `handle` answers when a turn fails. */
  apology(event: InboundEvent): OutboundMessage[];
  /** The polite answer to a chat user over the rate limit, in their language; the event itself is not run. */
  slowDown(event: InboundEvent): Promise<OutboundMessage[]>;
}

export const slowDownTemplate = 'common.slow-down';

type Start = { kind: 'start'; flow: Flow; variables: Variables };
type Continue = { kind: 'continue'; flow: Flow; session: Session; input: AnswerInput };
type Say = { kind: 'say'; template: string; endSession: boolean };
type Plan = Start | Continue | Say;

export function createFlowRunner(deps: FlowRunnerDeps): FlowRunner {
  return {
    async handle(event) {
      try {
        return await this.run(event);
      } catch (error) {
        deps.logger.error({ err: error, channel: event.channel, eventId: event.eventId }, 'turn failed');
        return this.apology(event);
      }
    },
    async run(event) {
      if (event.kind === 'unsupported') return [];
      return runTurn(deps, event);
    },
    apology(event) {
      const locale = asLocale(event.locale) ?? deps.defaultLocale;
      return [renderTemplate(deps.catalog().template('common.error', locale), {})];
    },
    async slowDown(event) {
      const known = await deps.identities.find(identityKeyOf(event)).catch(() => null);
      const locale = known?.locale ?? asLocale(event.locale) ?? deps.defaultLocale;
      return [renderTemplate(deps.catalog().template(slowDownTemplate, locale), {})];
    },
  };
}

async function runTurn(deps: FlowRunnerDeps, event: InboundEvent): Promise<OutboundMessage[]> {
  const now = deps.clock.now();
  const catalog = deps.catalog();
  const key = identityKeyOf(event);
  const reportedLocale = asLocale(event.locale);
  const identity = await deps.identities.touch(key, event, now.toJSDate(), {
    ...(event.kind === 'followed' || event.kind === 'unfollowed' ? { following: event.kind === 'followed' } : {}),
    ...(reportedLocale ? { locale: reportedLocale } : {}),
  });
  if (event.kind === 'unfollowed') {
    await deps.sessions.clear(key);
    return [];
  }

  const turn = new Turn(deps, identity, now);
  const loaded = await deps.sessions.load(key);
  const session = loaded && !isIdle(loaded, now, deps.sessionIdleMinutes) ? loaded : null;
  const plan = planTurn(catalog, event, session, identity.memberId !== null);

  if (plan.kind === 'say') {
    turn.say([{ template: plan.template, variables: {} }]);
    if (plan.endSession && loaded) await deps.sessions.clear(key);
    return turn.messages;
  }

  let result: Advance;
  const flow = plan.flow;
  if (plan.kind === 'start') {
    result = advance(flow, null, { kind: 'start', runId: event.eventId, variables: plan.variables }, now);
  } else {
    result = advance(flow, plan.session.position, { kind: 'answer', ...typedAsAnswer(catalog, plan, turn.locale) }, now);
  }

  while (result.kind === 'runAction') {
    turn.say(result.say);
    const position: FlowPosition = result.position;
    const action = deps.actions[result.action];
    if (action === undefined) throw new Error(`No action ${result.action}: the catalog was validated without it`);
    const outcome = await action({
      identity,
      memberId: turn.memberId,
      variables: position.variables,
      now,
      locale: turn.locale,
      flowRunId: position.runId,
      eventId: event.eventId,
    });
    if (outcome.memberId) turn.memberId = outcome.memberId;
    if (outcome.locale) turn.locale = outcome.locale;
    const input: EngineInput = { kind: 'outcome', outcome: outcome.outcome, variables: outcome.variables ?? {} };
    result = advance(flow, position, input, now);
  }
  turn.say(result.say);

  if (result.kind === 'waitingForInput') {
    const saved = await deps.sessions.save(key, result.position, loaded, now.toJSDate());
    if (!saved) deps.logger.warn({ identity: key, flow: flow.id }, 'another turn saved this session first');
  } else if (loaded) {
    await deps.sessions.clear(key);
  }
  if (turn.memberId !== null) turn.say(await deps.notices.take(turn.memberId));
  return turn.messages;
}

/** Decides what an event means: a trigger starts its flow (interrupting a waiting one), else it answers. */
function planTurn(catalog: FlowCatalog, event: InboundEvent, session: Session | null, isMember: boolean): Plan {
  const triggered = triggeredFlow(catalog, event);
  if (triggered) {
    if (triggered.flow.requiresMember && !isMember) return { kind: 'say', template: 'common.members-only', endSession: true };
    return { kind: 'start', ...triggered };
  }
  const answer = answerOf(event);
  if (session && answer) {
    const flow = catalog.version(session.position.flowId, session.position.flowVersion);
    if (flow) return { kind: 'continue', flow, session, input: answer };
    const latest = catalog.latest(session.position.flowId);
    if (latest) return { kind: 'start', flow: latest, variables: {} };
  }
  if (event.kind === 'choice' && answer?.answer !== undefined) {
    return { kind: 'say', template: 'common.expired-question', endSession: false };
  }
  const fallback = catalog.forFallback();
  if (!fallback) return { kind: 'say', template: 'common.error', endSession: false };
  return { kind: 'start', flow: fallback, variables: {} };
}

function triggeredFlow(catalog: FlowCatalog, event: InboundEvent): { flow: Flow; variables: Variables } | null {
  if (event.kind === 'followed') {
    const flow = catalog.forFollow();
    return flow ? { flow, variables: {} } : null;
  }
  if (event.kind === 'text') return catalog.forText(event.text) ?? null;
  if (event.kind === 'choice') {
    const data = new URLSearchParams(event.payload);
    const intent = data.get('intent');
    if (intent === null) return null;
    const flow = catalog.forIntent(intent);
    data.delete('intent');
    return flow ? { flow, variables: Object.fromEntries(data) } : null;
  }
  return null;
}

function answerOf(event: InboundEvent): AnswerInput | null {
  if (event.kind === 'text') return { text: event.text };
  if (event.kind !== 'choice') return null;
  const date = event.params?.date;
  if (date !== undefined) return { date };
  const answer = new URLSearchParams(event.payload).get('answer');
  return answer === null ? null : { answer };
}

/** Typing a button's label ("同意", "skip") answers like tapping it. */
function typedAsAnswer(catalog: FlowCatalog, plan: Continue, locale: Locale): AnswerInput {
  const text = plan.input.text;
  if (text === undefined) return plan.input;
  const step = plan.flow.steps[plan.session.position.stepId];
  if (step?.kind !== 'ask') return plan.input;
  const answer = answerForTypedLabel(catalog.template(step.template, locale), text, plan.session.position.variables);
  return answer !== undefined ? { answer } : plan.input;
}

function isIdle(session: Session, now: DateTime, idleMinutes: number): boolean {
  return now.toMillis() - session.updatedAt.getTime() > idleMinutes * 60_000;
}

function asLocale(value: string | undefined): Locale | undefined {
  return locales.find((locale) => locale === value);
}

class Turn {
  readonly messages: OutboundMessage[] = [];
  memberId: MemberId | null;
  locale: Locale;

  constructor(
    private readonly deps: FlowRunnerDeps,
    identity: ChannelIdentity,
    readonly now: DateTime,
  ) {
    this.memberId = identity.memberId;
    this.locale = identity.locale ?? deps.defaultLocale;
  }

  say(utterances: Utterance[]): void {
    const catalog = this.deps.catalog();
    for (const utterance of utterances) {
      const variables = { ...this.deps.programmeVariables, ...utterance.variables };
      this.messages.push(renderTemplate(catalog.template(utterance.template, this.locale), variables));
    }
  }
}
