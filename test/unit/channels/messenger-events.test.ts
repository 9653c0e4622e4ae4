import { DateTime } from 'luxon';
import { isMessengerWebhookBody, toInboundEvents } from '../../../src/channels/messenger/messenger-events';

const receivedAt = DateTime.fromISO('2026-11-23T10:00:00+08:00', { setZone: true });
const psid = '24680135792468013';
const page = { id: '1122334455' };

function body(...messaging: Record<string, unknown>[]) {
  return { object: 'page', entry: [{ id: page.id, time: 1_700_000_000_000, messaging }] };
}
function fromPerson(fields: Record<string, unknown>, timestamp = 1_700_000_000_000) {
  return { sender: { id: psid }, recipient: page, timestamp, ...fields };
}
const source = { channel: 'messenger', channelUserId: psid, receivedAt };

describe('toInboundEvents (Messenger)', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['a text message', fromPerson({ message: { mid: 'm_1', text: '簽到' } }), { kind: 'text', text: '簽到', eventId: 'm_1' }],
    [
      'a quick reply tap, by its payload rather than its title',
      fromPerson({ message: { mid: 'm_2', text: 'My card', quick_reply: { payload: 'intent=card' } } }),
      { kind: 'choice', payload: 'intent=card', eventId: 'm_2' },
    ],
    [
      'a postback with its mid',
      fromPerson({ postback: { mid: 'm_3', title: 'Check in', payload: 'intent=checkin' } }),
      { kind: 'choice', payload: 'intent=checkin', eventId: 'm_3' },
    ],
    [
      'a postback without a mid (before Graph v11.0), keyed by sender and timestamp',
      fromPerson({ postback: { title: 'Check in', payload: 'intent=checkin' } }, 1_700_000_000_123),
      { kind: 'choice', payload: 'intent=checkin', eventId: `${psid}:1700000000123` },
    ],
    [
      'Get Started from an m.me link, with the link’s ref',
      fromPerson({ postback: { mid: 'm_4', title: 'Get Started', payload: 'intent=signup', referral: { ref: 'collect-K7QMX2P9R', source: 'SHORTLINK', type: 'OPEN_THREAD' } } }),
      { kind: 'choice', payload: 'intent=signup', params: { ref: 'collect-K7QMX2P9R' }, eventId: 'm_4' },
    ],
    [
      'an m.me referral with a point code, as the collect text',
      fromPerson({ referral: { ref: 'collect-k7qmx2p9r', source: 'SHORTLINK', type: 'OPEN_THREAD' } }, 1_700_000_000_200),
      { kind: 'text', text: 'COLLECT K7QMX2P9R', eventId: `${psid}:1700000000200` },
    ],
    [
      'Get Started from a friend’s m.me invite link, as the invite text (it offers signup)',
      fromPerson({ postback: { mid: 'm_7', title: 'Get Started', payload: 'intent=signup', referral: { ref: 'invite-k7qm2x', source: 'SHORTLINK', type: 'OPEN_THREAD' } } }),
      { kind: 'text', text: 'INVITE K7QM2X', eventId: 'm_7' },
    ],
    [
      'an m.me referral with a friend’s invite, as the invite text',
      fromPerson({ referral: { ref: 'invite-K7QM2X', source: 'SHORTLINK', type: 'OPEN_THREAD' } }, 1_700_000_000_300),
      { kind: 'text', text: 'INVITE K7QM2X', eventId: `${psid}:1700000000300` },
    ],
    [
      'an m.me referral with postback data, as a choice',
      fromPerson({ referral: { ref: 'intent=rewards', source: 'SHORTLINK', type: 'OPEN_THREAD' } }),
      { kind: 'choice', payload: 'intent=rewards' },
    ],
    ['an m.me referral with an unknown ref', fromPerson({ referral: { ref: 'spring-campaign', source: 'ADS' } }), { kind: 'unsupported' }],
    [
      'an echo of our own message',
      { sender: page, recipient: { id: psid }, timestamp: 1, message: { mid: 'm_5', is_echo: true, text: 'hi', app_id: 1 } },
      { kind: 'unsupported', channelUserId: page.id },
    ],
    ['a delivery receipt', fromPerson({ delivery: { mids: ['m_1'], watermark: 1_700_000_000_000 } }), { kind: 'unsupported' }],
    ['a read receipt', fromPerson({ read: { watermark: 1_700_000_000_000 } }), { kind: 'unsupported' }],
    ['an image', fromPerson({ message: { mid: 'm_6', attachments: [{ type: 'image', payload: { url: 'https://x' } }] } }), { kind: 'unsupported' }],
    ['a reaction', fromPerson({ reaction: { mid: 'm_1', action: 'react', emoji: '❤' } }), { kind: 'unsupported' }],
  ])('maps %s', (_name, item, expected) => {
    const [event] = toInboundEvents(body(item), receivedAt);

    expect(event).toMatchObject({ ...source, ...expected });
    if (!('params' in expected)) expect(event).not.toHaveProperty('params');
  });

  it.each([
    ['letters', 'abc12345'],
    ['too short', '1234'],
    ['too long', '1'.repeat(33)],
    ['a path', '123456/../me'],
    ['a number, not a string', 1234567],
  ])('treats a sender id that is %s as unsupported, with no channel user id', (_name, senderId) => {
    const [event] = toInboundEvents(body({ sender: { id: senderId }, recipient: page, timestamp: 1, message: { mid: 'm_7', text: 'hi' } }), receivedAt);

    expect(event).toMatchObject({ kind: 'unsupported', channelUserId: '' });
  });

  it('orders events from batched entries by timestamp', () => {
    const payload = {
      object: 'page',
      entry: [
        { id: page.id, time: 3, messaging: [fromPerson({ message: { mid: 'm_late', text: 'late' } }, 3000)] },
        { id: page.id, time: 1, messaging: [fromPerson({ message: { mid: 'm_early', text: 'early' } }, 1000), fromPerson({ message: { mid: 'm_mid', text: 'mid' } }, 2000)] },
      ],
    };

    expect(toInboundEvents(payload, receivedAt).map((event) => event.eventId)).toEqual(['m_early', 'm_mid', 'm_late']);
  });

  it.each<[string, unknown, boolean]>([
    ['a page body', { object: 'page', entry: [] }, true],
    ['an Instagram body', { object: 'instagram', entry: [] }, false],
    ['a body without entries', { object: 'page' }, false],
    ['an array', [], false],
    ['null', null, false],
  ])('recognises %s as a Messenger webhook body: %s', (_name, payload, expected) => {
    expect(isMessengerWebhookBody(payload)).toBe(expected);
    if (!expected) expect(toInboundEvents(payload, receivedAt)).toEqual([]);
  });
});
