import type { DateTime } from 'luxon';
import { parseAnswer, skipAnswer, type AnswerInput } from './answer-parsing';
import type { Flow } from './flow-schema';

export type Variables = Record<string, string>;

/** Where a person is in a flow; persisted between messages by the session repository. */
export interface FlowPosition {
  flowId: string;
  flowVersion: number;
  /** The id of the event that started this run of the flow: a stable idempotency key for its actions. */
  runId: string;
  stepId: string;
  /** Answers to questions and results of actions, by name: the variables of later templates. */
  variables: Variables;
  misses: number;
}

export interface Utterance {
  template: string;
  variables: Variables;
}

export type EngineInput =
  | { kind: 'start'; runId: string; variables?: Variables }
  | ({ kind: 'answer' } & AnswerInput)
  | { kind: 'outcome'; outcome: string; variables?: Variables };

export type Advance =
  | { kind: 'waitingForInput'; position: FlowPosition; say: Utterance[] }
  | { kind: 'runAction'; position: FlowPosition; action: string; say: Utterance[] }
  | { kind: 'finished'; reason: 'completed' | 'gaveUp'; say: Utterance[] };

/** The template said when a person misses a question too many times. */
export const gaveUpTemplate = 'common.gave-up';

const maxStepsPerTurn = 50;

/**
 * Moves a flow forward by one input, as far as it can go without the outside world: until it
 * waits for an answer, needs an action run, or ends. Pure: no I/O, time comes in as `today`.
 */
export function advance(flow: Flow, position: FlowPosition | null, input: EngineInput, today: DateTime): Advance {
  if (input.kind === 'start') {
    return runFrom(
      flow,
      {
        flowId: flow.id,
        flowVersion: flow.version,
        runId: input.runId,
        stepId: flow.start,
        variables: { ...input.variables },
        misses: 0,
      },
      [],
    );
  }
  if (position === null) throw new Error(`advance(${flow.id}) got an ${input.kind} without a position`);
  const step = stepOf(flow, position.stepId);

  if (input.kind === 'outcome') {
    if (step.kind !== 'action') throw new Error(`${flow.id}/${position.stepId} is not an action step`);
    const next = step.on[input.outcome];
    if (next === undefined) throw new Error(`${flow.id}/${position.stepId} has no route for outcome ${input.outcome}`);
    return runFrom(flow, { ...position, stepId: next, variables: { ...position.variables, ...input.variables } }, []);
  }

  if (step.kind !== 'ask') throw new Error(`${flow.id}/${position.stepId} is not waiting for an answer`);
  const skipped = step.optional && input.answer === skipAnswer;
  const parsed = skipped ? { kind: 'valid' as const, value: '' } : parseAnswer(step.input, input, today);
  if (parsed.kind === 'invalid') {
    const misses = position.misses + 1;
    if (misses >= step.maxMisses) {
      return { kind: 'finished', reason: 'gaveUp', say: [{ template: gaveUpTemplate, variables: position.variables }] };
    }
    const waiting = { ...position, misses };
    return { kind: 'waitingForInput', position: waiting, say: [{ template: step.retryTemplate, variables: waiting.variables }] };
  }
  const variables = { ...position.variables, [step.saveAs]: parsed.value };
  const next = step.on?.[parsed.value] ?? step.next;
  if (next === undefined) return { kind: 'finished', reason: 'completed', say: [] };
  return runFrom(flow, { ...position, stepId: next, variables, misses: 0 }, []);
}

/** What the flow said when it stopped at this question, to say again. */
export function repeatQuestion(flow: Flow, position: FlowPosition): Utterance[] {
  const step = flow.steps[position.stepId];
  return step?.kind === 'ask' ? [{ template: step.template, variables: position.variables }] : [];
}

function runFrom(flow: Flow, start: FlowPosition, say: Utterance[]): Advance {
  let position = start;
  for (let taken = 0; taken < maxStepsPerTurn; taken += 1) {
    const step = stepOf(flow, position.stepId);
    switch (step.kind) {
      case 'say':
        say.push({ template: step.template, variables: position.variables });
        position = { ...position, stepId: step.next };
        break;
      case 'end':
        if (step.template !== undefined) say.push({ template: step.template, variables: position.variables });
        return { kind: 'finished', reason: 'completed', say };
      case 'ask':
        say.push({ template: step.template, variables: position.variables });
        return { kind: 'waitingForInput', position: { ...position, misses: 0 }, say };
      case 'action':
        return { kind: 'runAction', position, action: step.action, say };
    }
  }
  throw new Error(`${flow.id} took more than ${maxStepsPerTurn} steps without waiting: a say loop?`);
}

function stepOf(flow: Flow, stepId: string) {
  const step = flow.steps[stepId];
  if (step === undefined) throw new Error(`${flow.id} v${flow.version} has no step ${stepId}`);
  return step;
}
