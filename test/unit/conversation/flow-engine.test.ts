import { DateTime } from 'luxon';
import { advance, type FlowPosition } from '../../../src/conversation/flow-engine';
import { flowSchema, type Flow } from '../../../src/conversation/flow-schema';

const today = DateTime.fromISO('2026-11-23T10:00:00+08:00');

const flow: Flow = flowSchema.parse({
  id: 'survey',
  version: 3,
  trigger: { intents: ['survey'] },
  start: 'hello',
  steps: {
    hello: { kind: 'say', template: 'survey.hello', next: 'ask-colour' },
    'ask-colour': {
      kind: 'ask',
      template: 'survey.ask-colour',
      retryTemplate: 'survey.colour-retry',
      input: { type: 'choice', options: ['red', 'blue'] },
      saveAs: 'colour',
      on: { red: 'save', blue: 'blue-end' },
    },
    'blue-end': { kind: 'end', template: 'survey.blue' },
    save: { kind: 'action', action: 'saveColour', on: { saved: 'thanks', failed: 'blue-end' } },
    thanks: { kind: 'end', template: 'survey.thanks' },
  },
});

function waitingAt(stepId: string, misses = 0): FlowPosition {
  return { flowId: 'survey', flowVersion: 3, runId: 'run-1', stepId, variables: {}, misses };
}

describe('advance()', () => {
  it('says every say step until a question, and waits there', () => {
    expect(advance(flow, null, { kind: 'start', runId: 'run-1', variables: { ref: 'qr' } }, today)).toEqual({
      kind: 'waitingForInput',
      position: { flowId: 'survey', flowVersion: 3, runId: 'run-1', stepId: 'ask-colour', variables: { ref: 'qr' }, misses: 0 },
      say: [
        { template: 'survey.hello', variables: { ref: 'qr' } },
        { template: 'survey.ask-colour', variables: { ref: 'qr' } },
      ],
    });
  });

  it.each([
    ['red', { kind: 'runAction', action: 'saveColour' }],
    ['blue', { kind: 'finished', reason: 'completed', say: [{ template: 'survey.blue', variables: { colour: 'blue' } }] }],
  ])('routes the answer %s by on:', (answer, expected) => {
    expect(advance(flow, waitingAt('ask-colour'), { kind: 'answer', answer }, today)).toMatchObject(expected);
  });

  it('re-prompts a wrong answer and counts the miss', () => {
    expect(advance(flow, waitingAt('ask-colour', 1), { kind: 'answer', text: 'green' }, today)).toEqual({
      kind: 'waitingForInput',
      position: waitingAt('ask-colour', 2),
      say: [{ template: 'survey.colour-retry', variables: {} }],
    });
  });

  it('gives up politely on the third miss', () => {
    expect(advance(flow, waitingAt('ask-colour', 2), { kind: 'answer', text: 'green' }, today)).toEqual({
      kind: 'finished',
      reason: 'gaveUp',
      say: [{ template: 'common.gave-up', variables: {} }],
    });
  });

  it('feeds an action outcome and its variables into the next step', () => {
    const position = { ...waitingAt('save'), variables: { colour: 'red' } };
    expect(advance(flow, position, { kind: 'outcome', outcome: 'saved', variables: { count: '3' } }, today)).toEqual({
      kind: 'finished',
      reason: 'completed',
      say: [{ template: 'survey.thanks', variables: { colour: 'red', count: '3' } }],
    });
  });

  it('refuses an outcome the action step does not route (a bug, not a chat event)', () => {
    expect(() => advance(flow, waitingAt('save'), { kind: 'outcome', outcome: 'exploded' }, today)).toThrow(
      'survey/save has no route for outcome exploded',
    );
  });
});
