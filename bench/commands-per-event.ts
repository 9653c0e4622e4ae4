import mongoose from 'mongoose';
import pino from 'pino';
import request from 'supertest';
import { loadConfig } from '../src/config';
import { startEmbeddedMongo } from '../src/database/embedded-mongo';
import { createPlatform } from '../src/platform';
import { systemClock } from '../src/shared/clock';
import { startFakeLineApi } from '../test/fakes/fake-line-api';
import { activityEvents, activitySchedule, benchUserId, eventIdFactory, signupEvents, webhookRequest, type Activity, type BenchEvent } from './line-traffic';

/**
 * `npx tsx bench/commands-per-event.ts`: the database commands one webhook event costs, by activity, counted with
 * the driver's command monitoring on the real platform. Round trips are what the benchmark's profile is made of,
 * so this is the quickest check that a change removed one.
 */
async function main(): Promise<void> {
  const database = await startEmbeddedMongo({ backend: 'memory' });
  const line = await startFakeLineApi();
  const connection = mongoose.createConnection(database.uri, { dbName: 'commands', autoIndex: false, autoCreate: false, monitorCommands: true });
  await connection.asPromise();
  const secret = 'commands-secret';
  const config = loadConfig({ LINE_CHANNEL_SECRET: secret, LINE_CHANNEL_ACCESS_TOKEN: 'token', LINE_API_BASE_URL: line.baseUrl, DEMO_DATA: 'false', LOG_LEVEL: 'silent' });
  const platform = await createPlatform({ config, connection, logger: pino({ level: 'silent' }), clock: systemClock, adminTokens: [{ role: 'admin', token: 'commands-admin-token-000' }] });
  const admin = (path: string, body: unknown) =>
    request(platform.app).post(`/admin/api${path}`).set('authorization', 'Bearer commands-admin-token-000').send(body as object);
  const reward = await admin('/rewards', { name: { 'zh-TW': '咖啡', en: 'Coffee' }, cost: 10, stock: 1000 });
  const codes = await admin('/point-codes', { points: 10, maxUses: 1000, perMemberLimit: 1000, expiresAt: new Date(Date.now() + 3600_000).toISOString() });
  const setup = { rewardId: String(reward.body.id), pointCode: String(codes.body.codes[0].code) };

  const commands: string[] = [];
  // The driver's command monitoring sees every command sent, through mongoose or straight through the driver: one
  // command, one round trip.
  connection.getClient().on('commandStarted', (event) => {
    const target = event.command[event.commandName] as unknown;
    commands.push(typeof target === 'string' ? `${event.commandName} ${target}` : event.commandName);
  });
  const nextEventId = eventIdFactory('CMD');
  const deliver = async (events: BenchEvent[]) => {
    const { body, signature } = webhookRequest(events, secret);
    const response = await request(platform.app).post("/webhooks/line").set("content-type", "application/json").set("x-line-signature", signature).send(body);
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${response.text}`);
    await platform.inbox.drain();
  };
  const count = async (label: string, events: BenchEvent[]) => {
    commands.length = 0;
    await deliver(events);
    const tally = new Map<string, number>();
    for (const command of commands) tally.set(command, (tally.get(command) ?? 0) + 1);
    console.log(`${label.padEnd(22)} ${String(commands.length).padStart(3)} commands for ${events.length} event(s): ${[...tally].map(([name, n]) => `${name}×${n}`).join(', ')}`);
  };

  const userId = benchUserId('c0ffee', 1);
  await count('signup (5 events)', signupEvents(nextEventId, userId, 1));
  for (const activity of ['checkin', 'checkin', 'card', 'collect', 'redeem'] as Activity[]) {
    await count(activity === 'checkin' ? 'checkin (first/again)' : activity, activityEvents(activity, nextEventId, userId, setup));
  }

  // Under load the group-committed writes (inbox, transcripts, step 4 of the ledger, finished claims) are shared
  // by the turns in flight: the same mix as the benchmark, for a burst of members at once.
  const burstMembers = Array.from({ length: 40 }, (_, index) => benchUserId('b0057', index));
  for (const [index, member] of burstMembers.entries()) await deliver(signupEvents(nextEventId, member, 100 + index));
  const schedule = activitySchedule(burstMembers.length);
  for (const member of burstMembers) await deliver(activityEvents('checkin', nextEventId, member, setup));
  commands.length = 0;
  const burst = burstMembers.map((member, index) => activityEvents(schedule[index]!, nextEventId, member, setup));
  await Promise.all(burst.map((events) => deliver(events)));
  const burstEvents = burst.reduce((sum, events) => sum + events.length, 0);
  console.log(`burst of ${burstMembers.length} members (the bench's mix, at once): ${(commands.length / burstEvents).toFixed(1)} commands per event`);
  platform.liveCatalog.stop();
  await connection.close();
  await line.close();
  await database.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
