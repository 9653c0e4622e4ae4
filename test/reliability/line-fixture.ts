import { randomBytes } from 'node:crypto';
import type { FakeLineApi, RecordedLineRequest } from '../fakes/fake-line-api';
import { lineEventFactory } from '../support/line-events';
import { signLineBody } from '../support/signed-webhook';

export const reliabilityLineSecret = `reliability-line-secret-${randomBytes(6).toString('hex')}`;
export const reliabilityAdminToken = `reliability-admin-${randomBytes(12).toString('hex')}`;

export type LineEvent = ReturnType<ReturnType<typeof lineEventFactory>['event']>;

/** The env that points a child server at a database and at the fake LINE API, limits as shipped. */
export function lineServerEnv(mongoUri: string, line: FakeLineApi): Record<string, string> {
  return {
    MONGODB_URI: mongoUri,
    ADMIN_TOKENS: `admin:${reliabilityAdminToken}`,
    DEMO_DATA: 'false',
    POINTS_EXPIRY_POLICY: 'never',
    DEFAULT_LOCALE: 'en',
    LINE_CHANNEL_SECRET: reliabilityLineSecret,
    LINE_CHANNEL_ACCESS_TOKEN: 'reliability-line-access-token',
    LINE_API_BASE_URL: line.baseUrl,
  };
}

/** What LINE does: POST the signed batch; a redelivery carries the same webhookEventId with isRedelivery true. */
export async function postLine(baseUrl: string, events: LineEvent[], options: { redelivery?: boolean; timeoutMs?: number } = {}) {
  const sent = options.redelivery ? events.map((event) => ({ ...event, deliveryContext: { isRedelivery: true } })) : events;
  const body = JSON.stringify({ destination: 'Ubot', events: sent });
  try {
    const response = await fetch(`${baseUrl}/webhooks/line`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-line-signature': signLineBody(body, reliabilityLineSecret) },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String((error as { cause?: unknown }).cause ?? error) };
  }
}

export async function admin<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}/admin/api${path}`, {
    method,
    headers: { authorization: `Bearer ${reliabilityAdminToken}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

export const replyTokenOf = (request: RecordedLineRequest) => (request.body as { replyToken?: string }).replyToken;
export const messageTextsOf = (request: RecordedLineRequest) =>
  (request.body as { messages: { text?: string; altText?: string }[] }).messages.map((message) => message.text ?? message.altText ?? '');

/** Signs a LINE user up through the webhook, one step at a time, each waiting for its reply. */
export async function signUpOnLine(baseUrl: string, line: FakeLineApi, events: ReturnType<typeof lineEventFactory>, userId: string) {
  const steps = [
    events.postback(userId, 'intent=signup'),
    events.postback(userId, 'answer=agree'),
    events.text(userId, 'Amy'),
    events.text(userId, '0912345678'),
    events.postback(userId, 'answer=skip'),
  ];
  for (const step of steps) {
    const replied = line.waitFor((request) => replyTokenOf(request) === step.replyToken, 10_000);
    const answer = await postLine(baseUrl, [step]);
    if (answer.status !== 200) throw new Error(`signup step answered ${answer.status} ${answer.body}`);
    await replied;
  }
  const member = await admin<{ id: string; points: number }>(baseUrl, 'GET', `/members?channel=line&channelUserId=${userId}`);
  return member;
}

export const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
