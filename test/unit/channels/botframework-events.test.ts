import { DateTime } from 'luxon';
import { localeOf, toInboundEvents } from '../../../src/channels/botframework/botframework-events';

const receivedAt = DateTime.fromISO('2026-11-20T09:30:00.000+08:00', { setZone: true });
const bot = { id: 'loyalty-bot', name: 'Loyalty' };

function anActivity(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'message',
    id: 'activity-1',
    channelId: 'webchat',
    serviceUrl: 'https://webchat.botframework.com/',
    from: { id: 'person-1', name: 'Amy' },
    recipient: bot,
    conversation: { id: 'conversation-1' },
    text: 'check in',
    ...overrides,
  };
}

function aFacebookActivity(channelData: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return anActivity({ channelId: 'facebook', from: { id: 'psid-1' }, recipient: { id: 'page-1' }, channelData, ...overrides });
}

const webchatSource = { channel: 'botframework', channelUserId: 'webchat:person-1', eventId: 'webchat:activity-1', receivedAt };
const facebookSource = { channel: 'botframework', channelUserId: 'facebook:psid-1', receivedAt };

describe('toInboundEvents', () => {
  it.each([
    ['a text message', {}, { kind: 'text', text: 'check in', ...webchatSource }],
    ['a text message with spaces around it', { text: '  簽到 🎉 ' }, { kind: 'text', text: '簽到 🎉', ...webchatSource }],
    ['a tapped messageBack', { text: undefined, value: { payload: 'intent=card' } }, { kind: 'choice', payload: 'intent=card', ...webchatSource }],
    ['a tap that also carries the label as text', { text: 'Agree', value: { payload: 'answer=agree' } }, { kind: 'choice', payload: 'answer=agree', ...webchatSource }],
    ['a string value', { text: undefined, value: 'intent=checkin' }, { kind: 'choice', payload: 'intent=checkin', ...webchatSource }],
    ['a value without a payload', { text: 'hi', value: { other: 1 } }, { kind: 'text', text: 'hi', ...webchatSource }],
    ['a payload longer than 300 characters', { text: undefined, value: { payload: 'x'.repeat(301) } }, { kind: 'unsupported', ...webchatSource }],
    ['an attachment without text', { text: undefined, attachments: [{ contentType: 'image/png' }] }, { kind: 'unsupported', ...webchatSource }],
    ['a typing indicator', { type: 'typing', text: undefined }, { kind: 'unsupported', ...webchatSource }],
    ['a message from the bot itself', { from: bot }, { kind: 'unsupported', ...webchatSource, channelUserId: 'webchat:loyalty-bot' }],
    ['a message without a sender', { from: undefined }, { kind: 'unsupported', ...webchatSource, channelUserId: 'webchat:unknown' }],
    ['a sender id that is too long', { from: { id: 'p'.repeat(257) } }, { kind: 'unsupported', ...webchatSource, channelUserId: 'webchat:unknown' }],
    ['an English locale', { locale: 'en-US' }, { kind: 'text', text: 'check in', ...webchatSource, locale: 'en' }],
  ])('maps %s', (_name, overrides, expected) => {
    expect(toInboundEvents(anActivity(overrides), receivedAt)).toEqual([expected]);
  });

  it.each([
    [
      'a Messenger quick reply, keyed by its mid',
      { message: { mid: 'm_quick', text: 'Agree', quick_reply: { payload: 'answer=agree' } } },
      { text: 'Agree' },
      { kind: 'choice', payload: 'answer=agree', ...facebookSource, eventId: 'facebook:m_quick' },
    ],
    [
      'a Messenger postback, keyed by its mid',
      { postback: { mid: 'm_postback', title: 'My card', payload: 'intent=card' } },
      { text: 'intent=card' },
      { kind: 'choice', payload: 'intent=card', ...facebookSource, eventId: 'facebook:m_postback' },
    ],
    [
      'a Messenger text',
      { message: { mid: 'm_text', text: 'check in' } },
      {},
      { kind: 'text', text: 'check in', ...facebookSource, eventId: 'facebook:m_text' },
    ],
    [
      'a Messenger echo of the Page’s own message',
      { message: { mid: 'm_echo', is_echo: true, text: 'Welcome!' } },
      { text: 'Welcome!' },
      { kind: 'unsupported', ...facebookSource, eventId: 'facebook:m_echo' },
    ],
    [
      'a Messenger event without a mid, keyed by the activity id',
      {},
      {},
      { kind: 'text', text: 'check in', ...facebookSource, eventId: 'facebook:activity-1' },
    ],
  ])('maps %s', (_name, channelData, overrides, expected) => {
    expect(toInboundEvents(aFacebookActivity(channelData, overrides), receivedAt)).toEqual([expected]);
  });

  it('ignores quick-reply data in channelData outside Facebook', () => {
    const activity = anActivity({ text: 'Agree', channelData: { message: { mid: 'm_1', quick_reply: { payload: 'answer=agree' } } } });
    expect(toInboundEvents(activity, receivedAt)).toEqual([{ kind: 'text', text: 'Agree', ...webchatSource }]);
  });

  it('follows each person a conversationUpdate adds, but not the bot', () => {
    const update = anActivity({
      type: 'conversationUpdate',
      text: undefined,
      locale: 'zh-Hant-TW',
      membersAdded: [bot, { id: 'person-1' }, { id: 'person-2' }],
    });
    expect(toInboundEvents(update, receivedAt)).toEqual([
      { kind: 'followed', channel: 'botframework', channelUserId: 'webchat:person-1', eventId: 'webchat:activity-1:person-1', receivedAt, locale: 'zh-TW' },
      { kind: 'followed', channel: 'botframework', channelUserId: 'webchat:person-2', eventId: 'webchat:activity-1:person-2', receivedAt, locale: 'zh-TW' },
    ]);
  });

  it.each([
    ['only the bot joins', { membersAdded: [bot] }],
    ['someone leaves', { membersRemoved: [{ id: 'person-1' }] }],
    ['the list is not an array', { membersAdded: { id: 'person-1' } }],
  ])('maps a conversationUpdate where %s to unsupported', (_name, overrides) => {
    const events = toInboundEvents(anActivity({ type: 'conversationUpdate', text: undefined, ...overrides }), receivedAt);
    expect(events.map((event) => event.kind)).toEqual(['unsupported']);
  });

  it.each([
    ['no channelId', { channelId: undefined }],
    ['no id', { id: undefined }],
    ['an empty id', { id: '' }],
  ])('maps an activity with %s to unsupported', (_name, overrides) => {
    expect(toInboundEvents(anActivity(overrides), receivedAt).map((event) => event.kind)).toEqual(['unsupported']);
  });
});

describe('localeOf', () => {
  it.each([
    ['en', 'en'],
    ['en-US', 'en'],
    ['EN-gb', 'en'],
    ['zh-TW', 'zh-TW'],
    ['zh-tw', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh-Hant-TW', 'zh-TW'],
    ['zh-CN', undefined],
    ['zh-Hans', undefined],
    ['ja-JP', undefined],
    ['', undefined],
    [42, undefined],
  ])('maps %p to %p', (tag, expected) => {
    expect(localeOf(tag)).toBe(expected);
  });
});
