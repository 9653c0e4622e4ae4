import type { DateTime } from 'luxon';
import { identityKeyOf, type InboundEvent, type OutboundMessage } from '../channels/channel';
import type { ChannelIdentity, IdentityRepository } from '../loyalty/members/identity-repository';
import type { MemberId } from '../shared/ids';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import type { AnswerInput } from './answer-parsing';
import type { FlowCatalog } from './flow-catalog';
import type { FlowActions } from './flow-actions';
import { advance, repeatQuestion, type Advance, type EngineInput, type FlowPosition, type Utterance, type Variables } from './flow-engine';
import { locales, type Flow, type Locale } from './flow-schema';
import { endedSessionOf, sessionOf, type Session, type SessionRepository } from './session-repository';
import { answerForTypedLabel, fill, renderTemplate } from './template-rendering';
import type { TranscriptRepository } from './transcript-repository';
import { transcriptLinesOf } from './transcripts';

export interface FlowRunnerDeps {
  /** A function, so that publishing flows can swap the catalog without restarting. */
  catalog: () => FlowCatalog;
  sessions: SessionRepository;
  identities: IdentityRepository;
  actions: FlowActions;
  clock: Clock;
  sessionIdleMinutes: number;
  defaultLocale: Locale;
  /** Programme-wide variables every template may use, e.g. termsVersion, checkInPoints; a function, as marketers change the numbers live. */
  programmeVariables: (locale: Locale) => Variables;
  /** Messages jobs left for a member's next chat (expiry reminders, birthday wishes). */
  notices: { take(memberId: MemberId): Promise<Utterance[]> };
  /** Where members' turns are kept for TRANSCRIPT_RETENTION_DAYS; absent when the retention is 0. */
  transcripts?: Pick<TranscriptRepository, 'record'>;
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
/** The event's own turn already moved the conversation to this question (it is being run again): ask it again. */
type Repeat = { kind: 'repeat'; flow: Flow; session: Session };
type Plan = Start | Continue | Say | Repeat;

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
      const turn = await runTurn(deps, event);
      await recordTranscript(deps, event, turn);
      return turn.messages;
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

interface TurnResult {
  messages: OutboundMessage[];
  /** The member the person is at the end of the turn: null for a stranger, or after an erasure. */
  memberId: MemberId | null;
  actedAt: DateTime;
}

/** A transcript that cannot be written must not cost the member their reply. */
async function recordTranscript(deps: FlowRunnerDeps, event: InboundEvent, turn: TurnResult): Promise<void> {
  if (deps.transcripts === undefined || turn.memberId === null) return;
  await deps.transcripts.record(transcriptLinesOf(event, turn.memberId, turn.messages, turn.actedAt)).catch((error: unknown) => {
    deps.logger.warn({ err: error, eventId: event.eventId }, 'could not record the transcript of a turn');
  });
}

async function runTurn(deps: FlowRunnerDeps, event: InboundEvent): Promise<TurnResult> {
  // A turn has two times, which differ for a turn run late (again after a database outage, or by the recovery sweep).
  // When the person acted decides what they meant: the day a check-in counts for, whether a code was still valid,
  // whether the session was idle (so the session, the identity's last-seen time and the transcript keep the acting
  // time). When the turn runs stamps what its actions write, because the recovery jobs take over ledger entries,
  // claims and redemptions older than a minute or two as abandoned: stamped with the acting time, a late turn's would be.
  const actedAt = event.receivedAt;
  const now = deps.clock.now();
  const catalog = deps.catalog();
  const key = identityKeyOf(event);
  const reportedLocale = asLocale(event.locale);
  // The session is stored with the identity: touching it returns both.
  const { identity, session: stored, lastEnding } = await deps.identities.touchForTurn(key, event, actedAt.toJSDate(), {
    ...(event.kind === 'followed' || event.kind === 'unfollowed' ? { following: event.kind === 'followed' } : {}),
    ...(reportedLocale ? { locale: reportedLocale } : {}),
  });
  const loaded = sessionOf(key, stored);
  if (event.kind === 'unfollowed') {
    if (loaded) await deps.sessions.clear(key);
    return { messages: [], memberId: null, actedAt };
  }

  const turn = new Turn(deps, identity, actedAt);
  // This event's turn may have ended a flow already and be run again (it failed after that, or its server died before
  // the reply): the session it continued then comes from the ending it left, and the turn reaches the same ending
  // (the actions are keyed by the flow run). Judged idle by the same acting time, so as the first run judged it.
  const continued = loaded ?? endedSessionOf(key, lastEnding, event.eventId);
  const session = continued && !isIdle(continued, actedAt, deps.sessionIdleMinutes) ? continued : null;
  const plan = planTurn(catalog, event, session, identity.memberId !== null);

  if (plan.kind === 'say') {
    turn.say([{ template: plan.template, variables: {} }]);
    if (plan.endSession && loaded) await deps.sessions.clear(key);
    return turn.result();
  }
  if (plan.kind === 'repeat') {
    turn.say(repeatQuestion(plan.flow, plan.session.position));
    if (turn.memberId !== null) turn.say(await deps.notices.take(turn.memberId));
    return turn.result();
  }

  let result: Advance;
  const flow = plan.flow;
  if (plan.kind === 'start') {
    result = advance(flow, null, { kind: 'start', runId: event.eventId, variables: plan.variables }, actedAt);
  } else {
    result = advance(flow, plan.session.position, { kind: 'answer', ...typedAsAnswer(catalog, plan, turn.locale) }, actedAt);
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
      actedAt,
      locale: turn.locale,
      flowRunId: position.runId,
      eventId: event.eventId,
      phrase: (templateId, variables) => {
        const template = catalog.template(templateId, turn.locale);
        return 'text' in template ? fill(template.text, variables) : '';
      },
    });
    if (outcome.memberId) turn.memberId = outcome.memberId;
    if (outcome.forgotten) turn.memberId = null;
    if (outcome.locale) turn.locale = outcome.locale;
    const input: EngineInput = { kind: 'outcome', outcome: outcome.outcome, variables: outcome.variables ?? {} };
    result = advance(flow, position, input, actedAt);
  }
  turn.say(result.say);

  if (result.kind === 'waitingForInput') {
    const saved = await deps.sessions.save(key, result.position, loaded, actedAt.toJSDate(), event.eventId);
    if (!saved) deps.logger.warn({ identity: key, flow: flow.id }, 'another turn saved this session first');
  } else if (loaded && session === loaded) {
    await deps.sessions.end(key, loaded, event.eventId, now.toJSDate());
  } else if (loaded) {
    await deps.sessions.clear(key);
  }
  if (turn.memberId !== null) turn.say(await deps.notices.take(turn.memberId));
  return turn.result();
}

/** Decides what an event means: a trigger starts its flow (interrupting a waiting one), else it answers. */
function planTurn(catalog: FlowCatalog, event: InboundEvent, session: Session | null, isMember: boolean): Plan {
  if (session?.savedBy === event.eventId) {
    const flow = catalog.version(session.position.flowId, session.position.flowVersion);
    if (flow) return { kind: 'repeat', flow, session };
  }
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

function isIdle(session: Session, actedAt: DateTime, idleMinutes: number): boolean {
  return actedAt.toMillis() - session.updatedAt.getTime() > idleMinutes * 60_000;
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
    readonly actedAt: DateTime,
  ) {
    this.memberId = identity.memberId;
    this.locale = identity.locale ?? deps.defaultLocale;
  }

  result(): TurnResult {
    return { messages: this.messages, memberId: this.memberId, actedAt: this.actedAt };
  }

  say(utterances: Utterance[]): void {
    const catalog = this.deps.catalog();
    for (const utterance of utterances) {
      const variables = { ...this.deps.programmeVariables(this.locale), ...utterance.variables };
      this.messages.push(renderTemplate(catalog.template(utterance.template, this.locale), variables));
    }
  }
}
