import type { DateTime } from 'luxon';
import type { ChannelIdentity } from '../loyalty/members/identity-repository';
import type { ProgrammeRules } from '../loyalty/programme';
import type { ExportLinks } from '../privacy/export-link';
import type { Repositories } from '../repositories';
import type { MemberId } from '../shared/ids';
import type { Variables } from './flow-engine';
import type { Locale } from './flow-schema';

export interface ActionContext {
  identity: ChannelIdentity;
  memberId: MemberId | null;
  /** The flow's variables so far: answers to its questions, intent arguments, earlier results. */
  variables: Variables;
  /** When the turn runs: what the action's records are stamped with (see flow-runner's runTurn). */
  now: DateTime;
  /**
   * When the person acted (the event's receive time), earlier than `now` for a turn run late: for what depends on
   * when they acted, such as the day a check-in counts for or whether a typed code was still valid.
   */
  actedAt: DateTime;
  locale: Locale;
  /** The platform id of the event that started this flow: a stable key for what the flow changes. */
  flowRunId: string;
  /** The platform id of the event being handled now. */
  eventId: string;
  /**
   * A sentence from a text template in the person's language, filled with `variables`: for
   * actions that compose a message from parts (the card's tier lines). The ids must be listed in
   * flow-validation's `runnerTemplates`, so a missing one fails at startup.
   */
  phrase(templateId: string, variables: Variables): string;
}

export interface ActionResult<Outcome extends string = string> {
  outcome: Outcome;
  variables?: Variables;
  /** Set when the action made the person a member. */
  memberId?: MemberId;
  /** Set when the action changed the person's language. */
  locale?: Locale;
  /** Set when the action erased the member: the rest of the turn treats the person as a stranger. */
  forgotten?: boolean;
}

export interface ActionDeps {
  repositories: Repositories;
  /** The programme rules in effect now (console changes apply without a restart): read once per action. */
  rules: () => ProgrammeRules;
  /** Signs members' data-export links; the privacy actions need it. */
  exportLinks?: ExportLinks;
}

export type OutcomeTable = Record<string, readonly string[]>;

export type ActionsFor<Outcomes extends OutcomeTable> = {
  [Name in keyof Outcomes]: (context: ActionContext) => Promise<ActionResult<Outcomes[Name][number]>>;
};

/** A feature's actions: the outcomes each can return (checked against flows at startup) and their code. */
export interface ActionModule<Outcomes extends OutcomeTable> {
  outcomes: Outcomes;
  create(deps: ActionDeps): ActionsFor<Outcomes>;
}

/** For actions of flows with `requiresMember`: the runner never calls them for a non-member. */
export function requireMember(memberId: MemberId | null, action: string): MemberId {
  if (memberId === null) throw new Error(`${action} ran for a non-member: its flow must set requiresMember`);
  return memberId;
}
