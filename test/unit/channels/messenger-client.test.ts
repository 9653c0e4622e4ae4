import pino from 'pino';
import type { OutboundMessage } from '../../../src/channels/channel';
import { MessengerClient } from '../../../src/channels/messenger/messenger-client';
import { messengerPushChannel } from '../../../src/channels/messenger/messenger-push';
import { fixedClock } from '../../../src/shared/clock';
import { startFakeGraphApi, type FakeGraphApi } from '../../fakes/fake-graph-api';
import { captureLogs } from '../../support/log-capture';

const accessToken = 'secret-page-token-must-not-be-logged';
const psid = '1234567890123';
let graph: FakeGraphApi;
let logs: ReturnType<typeof captureLogs>;

function clientFor(baseUrl: string) {
  logs = captureLogs();
  const logger = pino({ level: 'info' }, logs.stream);
  const config = { MESSENGER_PAGE_ACCESS_TOKEN: accessToken, MESSENGER_API_BASE_URL: baseUrl, MESSENGER_API_VERSION: 'v25.0' };
  return { client: new MessengerClient({ config, logger, timeoutMs: 2000 }), logger };
}

beforeAll(async () => {
  graph = await startFakeGraphApi();
});
afterAll(() => graph.close());
beforeEach(() => graph.reset());

const event = { kind: 'text', text: 'hi', channel: 'messenger', channelUserId: psid, eventId: 'm_1', receivedAt: fixedClock('2026-11-23T10:00:00Z').now() } as const;

describe('MessengerClient', () => {
  it('logs a Send API error with its code and fbtrace_id, never the token, and does not throw', async () => {
    const { client } = clientFor(graph.baseUrl);
    graph.failSendsTo(psid, 613);

    const outcome = await client.deliver(event, [{ kind: 'text', text: 'Hello' }]);

    expect(outcome).toMatchObject({ kind: 'failed', outcome: { status: 400, error: { code: 613 } } });
    expect(logs.entries).toEqual([expect.objectContaining({ msg: 'Messenger send failed', code: 613, eventId: 'm_1', fbtraceId: expect.stringMatching(/^A/) })]);
    expect(logs.lines.join('\n')).not.toContain(accessToken);
  });

  it('trims a trailing slash from the base URL and sends typing_on alone before a multi-message reply', async () => {
    const { client } = clientFor(`${graph.baseUrl}/`);
    const card: OutboundMessage = { kind: 'card', title: 'Card', fields: [], footer: 'Member since 2026' };

    expect(await client.deliver(event, [{ kind: 'text', text: 'Hello' }, card])).toEqual({ kind: 'sent', messages: 2 });
    expect(graph.requests.map((request) => request.path)).toEqual(Array(3).fill('/v25.0/me/messages'));
    expect(graph.requests[0]!.body).toEqual({ recipient: { id: psid }, sender_action: 'typing_on' });
    expect(graph.requests.every((request) => request.hadAccessToken)).toBe(true);
  });

  it('reports an unreachable Graph API as a failure without throwing', async () => {
    const { client } = clientFor('http://127.0.0.1:1');
    expect(await client.deliver(event, [{ kind: 'text', text: 'Hello' }])).toMatchObject({ kind: 'failed', sent: 0 });
  });
});

describe('messengerPushChannel', () => {
  it.each([
    ['23 hours after the last message', '2026-11-23T09:00:00Z', true],
    ['exactly 24 hours after', '2026-11-22T10:00:00Z', false],
    ['never wrote', null, false],
  ])('%s: pushes = %s', async (_name, lastInbound, pushes) => {
    const { client, logger } = clientFor(graph.baseUrl);
    const channel = messengerPushChannel({
      client,
      lastInboundAt: async () => (lastInbound === null ? null : new Date(lastInbound)),
      clock: fixedClock('2026-11-23T10:00:00Z'),
      logger,
    });

    expect(await channel.push(psid, [{ kind: 'text', text: 'Reminder' }], 'notice-1')).toBe(pushes);
    expect(graph.messages().map((request) => request.body.messaging_type)).toEqual(pushes ? ['UPDATE'] : []);
    expect(logs.lines.join('\n')).toContain(pushes ? 'inside the 24-hour' : 'outside the 24-hour');
  });
});
