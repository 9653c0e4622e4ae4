import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateSignature } from '@line/bot-sdk';
import express from 'express';
import { LineHttp } from '../src/channels/line/line-http';
import { connectMongo } from '../src/database/mongo-connection';

/**
 * The floor the real webhook is compared with: the least a LINE bot on this stack can do per event, on the same
 * database and the same fake LINE API. It checks X-Line-Signature on the raw body with the SDK's validateSignature
 * (as src/channels/line/line-webhook.ts does), inserts one document per event, answers 200, then replies once with
 * the event's reply token over the same HTTP client as src/channels/line/line-client.ts (LineHttp).
 *
 * Run by bench/webhook-bench.ts with MONGODB_URI, LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, LINE_API_BASE_URL;
 * it prints `floor listening on port N`.
 */
async function main(): Promise<void> {
  const secret = required('LINE_CHANNEL_SECRET');
  const connection = await connectMongo(required('MONGODB_URI'));
  const events = connection.collection('bench_floor_events');
  const line = new LineHttp(required('LINE_API_BASE_URL'), required('LINE_CHANNEL_ACCESS_TOKEN'));

  const app = express();
  app.post('/webhooks/line', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    const signature = req.get('x-line-signature');
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (signature === undefined || !validateSignature(body, secret, signature)) {
      res.status(401).json({ error: { code: 'invalid_signature' } });
      return;
    }
    const parsed = JSON.parse(body.toString('utf8')) as { events: FloorEvent[] };
    const received = parsed.events.filter((event) => event.webhookEventId !== undefined);
    for (const event of received) {
      await events.insertOne({ _id: event.webhookEventId as never, userId: event.source?.userId, receivedAt: new Date() });
    }
    res.status(200).json({});
    for (const event of received) {
      if (event.replyToken === undefined) continue;
      line
        .postJson('/v2/bot/message/reply', { replyToken: event.replyToken, messages: [{ type: 'text', text: 'ok' }] })
        .then((response) => {
          if (response.status !== 200) console.error(`floor reply answered ${response.status}`);
        })
        .catch((error: unknown) => {
          console.error(`floor reply failed: ${String(error)}`);
        });
    }
  });

  const server: Server = app.listen(0, '127.0.0.1');
  server.keepAliveTimeout = 65_000; // as src/main.ts
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  console.log(`floor listening on port ${(server.address() as AddressInfo).port}`);
  process.once('SIGTERM', () => {
    server.close();
    void connection.close().then(() => process.exit(0));
  });
}

interface FloorEvent {
  webhookEventId?: string;
  replyToken?: string;
  source?: { userId?: string };
}

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`floor-server needs ${name}`);
  return value;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
