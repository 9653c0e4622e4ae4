import type { Express } from 'express';
import request from 'supertest';
import type { FakeLineApi } from '../fakes/fake-line-api';
import { testLineSecret } from './platform';
import { signLineBody } from './signed-webhook';

/** Builds LINE webhook events (LINE ref #webhook-event-objects) with fresh ids, reply tokens and timestamps. */
export function lineEventFactory(idPrefix: string) {
  let sequence = 0;
  const event = (userId: string, fields: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    sequence += 1;
    return {
      ...fields,
      mode: 'active',
      timestamp: Date.now() + sequence,
      source: { type: 'user', userId },
      webhookEventId: `${idPrefix}${sequence.toString().padStart(26 - idPrefix.length, '0')}`,
      deliveryContext: { isRedelivery: false },
      replyToken: `reply-token-${idPrefix}-${sequence}`,
      ...extra,
    };
  };
  return {
    userId(): string {
      sequence += 1;
      return `U${Date.now().toString(16).padStart(16, '0')}${sequence.toString(16).padStart(16, '0')}`;
    },
    event,
    postback: (userId: string, data: string, extra: Record<string, unknown> = {}) => event(userId, { type: 'postback', postback: { data } }, extra),
    text: (userId: string, body: string, extra: Record<string, unknown> = {}) =>
      event(userId, { type: 'message', message: { id: String(sequence), type: 'text', text: body, quoteToken: 'q' } }, extra),
  };
}

/** Posts events to the real webhook, signed with the test secret, and waits until they are handled. */
export async function deliverToLine(platform: { app: Express; inbox: { drain(): Promise<void> } }, events: unknown[]) {
  const body = JSON.stringify({ destination: 'Ubot', events });
  const response = await request(platform.app)
    .post('/webhooks/line')
    .set('content-type', 'application/json')
    .set('x-line-signature', signLineBody(body, testLineSecret))
    .send(body);
  await platform.inbox.drain();
  return response;
}

/** What the fake LINE API was asked to reply, as text (a Flex message by its alt text). */
export function lineReplyTexts(line: FakeLineApi): string[] {
  return line
    .replies()
    .flatMap((reply) => (reply.body as { messages: { type: string; text?: string; altText?: string }[] }).messages)
    .map((message) => message.text ?? message.altText ?? message.type);
}
