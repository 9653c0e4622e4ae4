import { signLineBody } from '../test/support/signed-webhook';

/** The LINE webhook traffic the benchmark sends: members' user ids, event bodies and their reply tokens. */

export type Activity = 'checkin' | 'card' | 'collect' | 'redeem';

/** Shares of webhook requests; a redeem request carries two events (the tap and the confirmation), as LINE batches one person's events. */
export const activityMix: Record<Activity, number> = { checkin: 0.3, card: 0.3, collect: 0.25, redeem: 0.15 };

export interface TrafficSetup {
  pointCode: string;
  rewardId: string;
}

/** LINE user ids are "U" + 32 hex digits (LINE ref #request-body); the run id keeps runs on one database apart. */
export function benchUserId(runId: string, index: number): string {
  return `U${runId.padStart(16, '0').slice(-16)}${index.toString(16).padStart(16, '0')}`;
}

export function replyTokenOf(eventId: string): string {
  return `bench-${eventId}`;
}

export interface BenchEvent {
  type: string;
  mode: 'active';
  timestamp: number;
  source: { type: 'user'; userId: string };
  webhookEventId: string;
  deliveryContext: { isRedelivery: false };
  replyToken: string;
  postback?: { data: string };
  message?: { id: string; type: 'text'; text: string; quoteToken: string };
}

export function postbackEvent(eventId: string, userId: string, data: string, timestamp: number): BenchEvent {
  return { ...common(eventId, userId, timestamp), type: 'postback', postback: { data } };
}

export function textEvent(eventId: string, userId: string, text: string, timestamp: number): BenchEvent {
  return { ...common(eventId, userId, timestamp), type: 'message', message: { id: eventId, type: 'text', text, quoteToken: 'q' } };
}

function common(eventId: string, userId: string, timestamp: number) {
  return {
    mode: 'active' as const,
    timestamp,
    source: { type: 'user' as const, userId },
    webhookEventId: eventId,
    deliveryContext: { isRedelivery: false as const },
    replyToken: replyTokenOf(eventId),
  };
}

/** The five events that make a person a member through the signup flow: consent, name, mobile, no birthday. */
export function signupEvents(nextEventId: () => string, userId: string, index: number): BenchEvent[] {
  const at = Date.now();
  const mobile = `09${(10_000_000 + index).toString().slice(-8)}`;
  return [
    postbackEvent(nextEventId(), userId, 'intent=signup', at),
    postbackEvent(nextEventId(), userId, 'answer=agree', at + 1),
    textEvent(nextEventId(), userId, `Bench ${index}`, at + 2),
    textEvent(nextEventId(), userId, mobile, at + 3),
    postbackEvent(nextEventId(), userId, 'answer=skip', at + 4),
  ];
}

export function activityEvents(activity: Activity, nextEventId: () => string, userId: string, setup: TrafficSetup, at = Date.now()): BenchEvent[] {
  switch (activity) {
    case 'checkin':
      return [postbackEvent(nextEventId(), userId, 'intent=checkin', at)];
    case 'card':
      return [postbackEvent(nextEventId(), userId, 'intent=card', at)];
    case 'collect':
      return [textEvent(nextEventId(), userId, `COLLECT ${setup.pointCode}`, at)];
    case 'redeem':
      return [
        postbackEvent(nextEventId(), userId, `intent=redeem&reward=${setup.rewardId}`, at),
        postbackEvent(nextEventId(), userId, 'answer=confirm', at + 1),
      ];
  }
}

/** A deterministic spread of activities in the mix's proportions, so that every step sends the same traffic. */
export function activitySchedule(length = 200): Activity[] {
  const schedule: Activity[] = [];
  const credit: Record<Activity, number> = { checkin: 0, card: 0, collect: 0, redeem: 0 };
  for (let slot = 0; slot < length; slot += 1) {
    for (const activity of Object.keys(activityMix) as Activity[]) credit[activity] += activityMix[activity];
    const next = (Object.keys(credit) as Activity[]).reduce((best, activity) => (credit[activity] > credit[best] ? activity : best));
    credit[next] -= 1;
    schedule.push(next);
  }
  return schedule;
}

/** Webhook event ids look like LINE's (26 characters) and are unique per run, step and sequence. */
export function eventIdFactory(prefix: string): () => string {
  let sequence = 0;
  return () => {
    sequence += 1;
    return `${prefix}${sequence.toString(36).padStart(26 - prefix.length, '0')}`.toUpperCase();
  };
}

export function webhookRequest(events: BenchEvent[], secret: string): { body: string; signature: string } {
  const body = JSON.stringify({ destination: 'Ubench', events });
  return { body, signature: signLineBody(body, secret) };
}
