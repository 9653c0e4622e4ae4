import { pickLocale, routeRecipient, withOptOutFooter, type IdentityState } from '../../../src/broadcasts/broadcast';
import type { OutboundMessage } from '../../../src/channels/channel';

const now = new Date('2026-11-23T02:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
const both = { line: true, messenger: true };
const line = { channel: 'line' as const, channelUserId: 'U1' };
const messenger = { channel: 'messenger' as const, channelUserId: '1001' };
const web = { channel: 'web' as const, channelUserId: 'w1' };
const states = (entries: [string, IdentityState][]) => new Map(entries);

describe('routeRecipient', () => {
  it.each([
    ['Messenger inside the window first: it costs no LINE quota', [line, messenger], states([['messenger:1001', { lastInboundAt: hoursAgo(23), following: true }]]), both, { kind: 'push', channel: 'messenger', channelUserId: '1001' }],
    ['LINE when Messenger is outside the window', [line, messenger], states([['messenger:1001', { lastInboundAt: hoursAgo(24), following: true }]]), both, { kind: 'push', channel: 'line', channelUserId: 'U1' }],
    ['skipped when only Messenger, outside the window', [messenger], states([['messenger:1001', { lastInboundAt: hoursAgo(30), following: true }]]), both, { kind: 'skip', reason: 'outsideMessengerWindow' }],
    ['skipped when Messenger never wrote', [messenger], states([]), both, { kind: 'skip', reason: 'outsideMessengerWindow' }],
    ['skipped when the LINE member blocked the account', [line], states([['line:U1', { lastInboundAt: null, following: false }]]), both, { kind: 'skip', reason: 'unfollowed' }],
    ['skipped on web chat only: it cannot push', [web], states([]), both, { kind: 'skip', reason: 'noPushChannel' }],
    ['skipped when LINE is off', [line], states([]), { line: false, messenger: true }, { kind: 'skip', reason: 'noPushChannel' }],
  ])('%s', (_, identities, identityStates, enabled, route) => {
    expect(routeRecipient({ demo: false, identities }, identityStates, enabled, now)).toEqual(route);
  });

  it('never messages a demo member', () => {
    expect(routeRecipient({ demo: true, identities: [line] }, states([]), both, now)).toEqual({ kind: 'skip', reason: 'demoMember' });
  });
});

describe('pickLocale', () => {
  it.each([
    [['zh-TW', 'en'], 'en', 'zh-TW', 'en'],
    [['zh-TW'], 'en', 'zh-TW', 'zh-TW'],
    [['en'], null, 'zh-TW', 'en'],
  ] as const)('%j for a member preferring %s (default %s) → %s', (available, preferred, fallback, expected) => {
    expect(pickLocale([...available], preferred, fallback)).toBe(expected);
  });
});

describe('withOptOutFooter', () => {
  const footer: OutboundMessage = { kind: 'text', text: 'Reply "stop promotions" to stop offers' };
  const menu = { label: 'Menu', payload: 'intent=help' };
  const stop = { label: 'Stop promotions', payload: 'intent=marketing-opt-out' };

  it.each<[string, OutboundMessage, OutboundMessage, OutboundMessage]>([
    ['adds it after a blank line of a text', { kind: 'text', text: 'Spring sale!' }, footer, { kind: 'text', text: 'Spring sale!\n\nReply "stop promotions" to stop offers' }],
    [
      "adds it as the last line of a card's footer",
      { kind: 'card', title: 'Spring sale', fields: [], footer: 'Until 31 May' },
      footer,
      { kind: 'card', title: 'Spring sale', fields: [], footer: 'Until 31 May\nReply "stop promotions" to stop offers' },
    ],
    ["makes it a card's footer when the card has none", { kind: 'card', title: 'Spring sale', fields: [] }, footer, { kind: 'card', title: 'Spring sale', fields: [], footer: 'Reply "stop promotions" to stop offers' }],
    [
      "puts the footer's buttons after the message's",
      { kind: 'text', text: 'Spring sale!', choices: [menu] },
      { kind: 'text', text: 'Not interested?', choices: [stop] },
      { kind: 'text', text: 'Spring sale!\n\nNot interested?', choices: [menu, stop] },
    ],
    ['adds nothing when the footer fills to nothing', { kind: 'text', text: 'Spring sale!' }, { kind: 'text', text: ' ' }, { kind: 'text', text: 'Spring sale!' }],
  ])('%s', (_, message, given, expected) => {
    expect(withOptOutFooter(message, given)).toEqual(expected);
  });

  it('cuts a long text, never the footer, to fit 2,000 characters', () => {
    const sent = withOptOutFooter({ kind: 'text', text: 'x'.repeat(2000) }, footer);
    expect(sent.kind === 'text' && sent.text.length).toBe(2000);
    expect(sent.kind === 'text' && sent.text.endsWith('x…\n\nReply "stop promotions" to stop offers')).toBe(true);
  });
});
