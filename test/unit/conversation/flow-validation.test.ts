import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { actionOutcomes } from '../../../src/conversation/flow-actions';
import { loadCatalogFromFiles } from '../../../src/conversation/flow-files';

const load = (flowsDir: string, templatesDir = 'templates') =>
  loadCatalogFromFiles({ flowsDir, templatesDir, actions: actionOutcomes, defaultLocale: 'zh-TW' });

function flowsWith(file: string, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'flows-'));
  cpSync('flows', dir, { recursive: true });
  writeFileSync(join(dir, file), yaml);
  return dir;
}

describe('loading flows and templates', () => {
  it('accepts the shipped flows and templates', () => {
    const catalog = load('flows');
    expect(catalog.forIntent('checkin')?.id).toBe('daily-check-in');
    expect(catalog.forKeyword('  ＣＨＥＣＫ   in ')?.id).toBe('daily-check-in');
    expect(catalog.forFollow()?.id).toBe('signup');
  });

  it.each([
    [
      'a missing step',
      'id: broken\nversion: 1\ntrigger: { intents: [broken] }\nstart: first\nsteps:\n  first: { kind: say, template: help.menu, next: secnd }\n  second: { kind: end }\n',
      ['flows/broken.yaml at steps.first.next: no step "secnd" (steps are: first, second)', 'flows/broken.yaml at steps.second: no step leads here'],
    ],
    [
      'a missing template',
      'id: broken\nversion: 1\ntrigger: { intents: [broken] }\nstart: first\nsteps:\n  first: { kind: end, template: help.manu }\n',
      ['flows/broken.yaml at steps.first.template: no template "help.manu" in templates/zh-TW'],
    ],
    [
      'an unknown action',
      'id: broken\nversion: 1\ntrigger: { intents: [broken] }\nstart: first\nsteps:\n  first: { kind: action, action: checkOut, on: {} }\n',
      ['flows/broken.yaml at steps.first.action: no action "checkOut"'],
    ],
    [
      'an outcome without a step',
      'id: broken\nversion: 1\ntrigger: { intents: [broken] }\nstart: first\nsteps:\n  first: { kind: action, action: checkIn, on: { awarded: done } }\n  done: { kind: end }\n',
      ['flows/broken.yaml at steps.first.on: outcome "alreadyCheckedIn" of checkIn has no step'],
    ],
    [
      'a keyword another flow uses',
      'id: broken\nversion: 1\ntrigger: { keywords: { en: [Help] } }\nstart: first\nsteps:\n  first: { kind: end }\n',
      ['flows/help.yaml at trigger.keywords: keyword "help" is already used by flows/broken.yaml'],
    ],
    [
      'an unknown step kind',
      'id: broken\nversion: 1\ntrigger: { intents: [broken] }\nstart: first\nsteps:\n  first: { kind: shout }\n',
      ["flows/broken.yaml at steps.first.kind: Invalid discriminator value. Expected 'say' | 'end' | 'ask' | 'action'"],
    ],
  ])('fails with the file, path and reason for %s', (_, yaml, expected) => {
    const dir = flowsWith('broken.yaml', yaml);
    let message = '';
    try {
      load(dir);
    } catch (error) {
      message = (error as Error).message.replaceAll(relative(process.cwd(), dir), 'flows');
    }
    for (const line of expected) expect(message).toContain(line);
  });

  it('fails when a choice question has no button for one of its options', () => {
    const dir = flowsWith(
      'broken.yaml',
      'id: broken\nversion: 1\ntrigger: { intents: [broken] }\nstart: ask\nsteps:\n  ask: { kind: ask, template: language.ask, retryTemplate: language.ask, input: { type: choice, options: [zh-TW, en, ja] }, saveAs: locale, next: done }\n  done: { kind: end }\n',
    );
    expect(() => load(dir)).toThrow('language.ask has no button with answer: ja');
  });
});

describe('pattern triggers', () => {
  const catalog = load('flows');
  it.each([
    ['COLLECT K7QM2XPRT', 'K7QM2XPRT'],
    ['collect  k7qm-2xpr-t', 'k7qm-2xpr-t'],
    ['ＣＯＬＬＥＣＴ　Ｋ７ＱＭ', 'K7QM'],
    ['集點 K7QM2XPRT', 'K7QM2XPRT'],
    ['集點K7QM2XPRT', 'K7QM2XPRT'],
  ])('reads %j as the collect flow with code %j', (text, code) => {
    expect(catalog.forText(text)).toEqual({ flow: expect.objectContaining({ id: 'collect-points' }), variables: { code } });
  });

  it.each(['collection', 'collectK7QM', 'please collect K7QM'])('does not read %j as a command', (text) => {
    expect(catalog.forText(text)?.flow.id).not.toBe('collect-points');
  });
});
