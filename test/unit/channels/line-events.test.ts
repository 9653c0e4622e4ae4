import { DateTime } from 'luxon';
import { toInboundEvents } from '../../../src/channels/line/line-events';

const receivedAt = DateTime.fromISO('2026-11-20T09:30:00.000+08:00', { setZone: true });
const userId = 'U4af4980629a0c4a8e0e2b0e7d1f1f7a2';

function lineEvent(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'message',
    mode: 'active',
    timestamp: 1_763_601_000_000,
    source: { type: 'user', userId },
    webhookEventId: '01JDZ5V8N4Q9X7K3M2P1R0S6T5',
    deliveryContext: { isRedelivery: false },
    replyToken: 'reply-token-1',
    message: { id: '5300', type: 'text', quoteToken: 'q', text: 'check in' },
    ...overrides,
  };
}

const source = { channel: 'line', channelUserId: userId, eventId: '01JDZ5V8N4Q9X7K3M2P1R0S6T5', receivedAt };

describe('toInboundEvents', () => {
  it.each([
    ['a text message', {}, { kind: 'text', text: 'check in' }],
    ['a text message in Chinese with emoji', { message: { id: '1', type: 'text', text: '簽到 🎉' } }, { kind: 'text', text: '簽到 🎉' }],
    ['a follow', { type: 'follow', follow: { isUnblocked: false }, message: undefined }, { kind: 'followed' }],
    ['an unfollow', { type: 'unfollow', replyToken: undefined, message: undefined }, { kind: 'unfollowed' }],
    ['a postback', { type: 'postback', postback: { data: 'intent=card' } }, { kind: 'choice', payload: 'intent=card' }],
    [
      'a datetime-picker postback',
      { type: 'postback', postback: { data: 'answer=birthday', params: { date: '1990-05-01' } } },
      { kind: 'choice', payload: 'answer=birthday', params: { date: '1990-05-01' } },
    ],
    [
      'a rich-menu switch postback with mixed param types',
      { type: 'postback', postback: { data: 'intent=help', params: { newRichMenuAliasId: 'member', status: 'SUCCESS', tries: 2, nested: { x: 1 } } } },
      { kind: 'choice', payload: 'intent=help', params: { newRichMenuAliasId: 'member', status: 'SUCCESS', tries: '2' } },
    ],
    ['a postback with empty params', { type: 'postback', postback: { data: 'intent=card', params: {} } }, { kind: 'choice', payload: 'intent=card' }],
    ['an event without a mode (before module channels)', { mode: undefined }, { kind: 'text', text: 'check in' }],
  ])('maps %s', (_name, overrides, expected) => {
    const [item] = toInboundEvents({ destination: 'Ubot', events: [lineEvent(overrides)] }, receivedAt);

    expect(item?.event).toEqual({ ...source, ...expected });
  });

  it.each([
    ['a sticker message', { message: { id: '1', type: 'sticker', packageId: '1', stickerId: '1' } }, userId],
    ['an image message', { message: { id: '1', type: 'image' } }, userId],
    ['a text message without text', { message: { id: '1', type: 'text' } }, userId],
    ['a postback without data', { type: 'postback', postback: {} }, userId],
    ['a beacon', { type: 'beacon', beacon: { hwid: 'd41d8cd98f', type: 'enter' } }, userId],
    ['an event type newer than the SDK', { type: 'messageEdited' }, userId],
    ['an event in standby mode', { mode: 'standby', replyToken: undefined }, userId],
    ['an event in an unknown mode', { mode: 'paused' }, userId],
    ['a group message', { source: { type: 'group', groupId: 'Cabc' } }, ''],
    ['a group message with a user id', { source: { type: 'group', groupId: 'Cabc', userId } }, ''],
    ['a room message', { source: { type: 'room', roomId: 'Rabc', userId } }, ''],
    ['a user id that is not LINE-shaped', { source: { type: 'user', userId: 'U../../richmenu' } }, ''],
    ['an upper-case user id', { source: { type: 'user', userId: userId.toUpperCase() } }, ''],
    ['an event without a source', { source: undefined }, ''],
  ])('maps %s to unsupported', (_name, overrides, channelUserId) => {
    const [item] = toInboundEvents({ events: [lineEvent(overrides)] }, receivedAt);

    expect(item?.event).toEqual({ ...source, channelUserId, kind: 'unsupported' });
  });

  it.each([
    ['null', null],
    ['a string', 'follow'],
    ['an array', [1, 2]],
    ['an event without webhookEventId', lineEvent({ webhookEventId: undefined })],
  ])('maps a malformed entry (%s) to unsupported without throwing', (_name, entry) => {
    const items = toInboundEvents({ events: [entry] }, receivedAt);

    expect(items).toHaveLength(1);
    expect(items[0]?.event.kind).toBe('unsupported');
    expect(items[0]?.event.eventId).toBe(`line-unidentified-${receivedAt.toMillis()}-0`);
  });

  it.each([
    ['an empty events array', { destination: 'Ubot', events: [] }],
    ['a body without events', { destination: 'Ubot' }],
    ['events that are not an array', { events: {} }],
    ['null', null],
    ['a string', '{"events":[]}'],
  ])('returns no events for %s', (_name, body) => {
    expect(toInboundEvents(body, receivedAt)).toEqual([]);
  });

  it.each([
    ['an active text message with a reply token', {}, { replyToken: 'reply-token-1', mode: 'active' }],
    ['an unfollow (no reply token)', { type: 'unfollow', replyToken: undefined }, { mode: 'active' }],
    ['a standby event', { mode: 'standby', replyToken: undefined }, { mode: 'standby' }],
    ['an empty reply token', { replyToken: '' }, { mode: 'active' }],
  ])('keeps what delivery needs for %s', (_name, overrides, expected) => {
    const [item] = toInboundEvents({ events: [lineEvent(overrides)] }, receivedAt);

    expect(item).toEqual({ event: expect.anything(), timestamp: 1_763_601_000_000, ...expected });
  });

  it('sorts events by timestamp, keeping arrival order for equal timestamps', () => {
    const events = [
      lineEvent({ webhookEventId: 'third', timestamp: 3000 }),
      lineEvent({ webhookEventId: 'first', timestamp: 1000 }),
      lineEvent({ webhookEventId: 'second-a', timestamp: 2000 }),
      lineEvent({ webhookEventId: 'second-b', timestamp: 2000 }),
    ];

    const eventIds = toInboundEvents({ events }, receivedAt).map((item) => item.event.eventId);

    expect(eventIds).toEqual(['first', 'second-a', 'second-b', 'third']);
  });

  it('uses the arrival time for an entry without a timestamp', () => {
    const [item] = toInboundEvents({ events: [lineEvent({ timestamp: 'yesterday' })] }, receivedAt);

    expect(item?.timestamp).toBe(receivedAt.toMillis());
  });
});
