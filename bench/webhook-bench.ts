import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmbeddedMongo } from '../src/database/embedded-mongo';
import { startRecordingLineApi, type LineRecorder } from './recording-line-api';
import { startChildServer } from '../test/support/child-server';
import { benchUserId, eventIdFactory, signupEvents, webhookRequest, type TrafficSetup } from './line-traffic';
import type { StepOrder, StepReport, StepSending } from './load-generator';

/**
 * `npm run bench [-- --quick] [-- --cpu-prof]`: the LINE webhook under open-loop load, against a floor on the same
 * database and fake LINE API. docs/benchmark.md explains the method and how to read the output.
 */

const projectRoot = resolve(__dirname, '..');
const secret = 'bench-channel-secret';
const accessToken = 'bench-channel-access-token';
const adminToken = 'bench-admin-token-0123456789';

interface Options {
  quick: boolean;
  cpuProf: boolean;
  rates: number[];
  stepSeconds: number;
  members: number;
  warmupSeconds: number;
  /** The embedded database's storage: `h2` (a file, as `npm start` runs it) or `memory`, to see what storage costs. */
  database: 'h2' | 'memory';
  /**
   * Server processes per target on the one database, as production runs several instances behind a load balancer;
   * the generator spreads requests over them round-robin. The floor gets as many as the webhook.
   */
  processes: number;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const valueOf = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const rates = valueOf('rates')?.split(',').map(Number) ?? (quick ? [100, 500, 1000] : [100, 250, 500, 1000, 1500, 2000]);
  if (rates.some((rate) => !Number.isFinite(rate) || rate <= 0)) throw new Error('--rates takes positive numbers, e.g. --rates=250,500,1000');
  return {
    quick,
    cpuProf: argv.includes('--cpu-prof'),
    rates,
    stepSeconds: Number(valueOf('step-seconds') ?? (quick ? 4 : 8)),
    members: Number(valueOf('members') ?? (quick ? 150 : 300)),
    warmupSeconds: Number(valueOf('warmup-seconds') ?? (quick ? 5 : 20)),
    database: databaseOption(valueOf('database') ?? 'h2'),
    processes: processesOption(valueOf('processes') ?? '1'),
  };
}

function databaseOption(value: string): Options['database'] {
  if (value !== 'h2' && value !== 'memory') throw new Error(`--database takes h2 (the default, as npm start runs) or memory, not ${value}`);
  return value;
}

function processesOption(value: string): number {
  const processes = Number(value);
  if (!Number.isInteger(processes) || processes < 1 || processes > 8) throw new Error(`--processes takes 1 to 8, not ${value}`);
  return processes;
}

type Target = 'floor' | 'webhook';

interface StepResult {
  target: Target;
  offeredEventsPerSecond: number;
  achievedEventsPerSecond: number;
  events: number;
  replied: number;
  repliedInTime: number;
  missing: number;
  pushed: number;
  httpErrors: number;
  statuses: Record<string, number>;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  ackMs: { p50: number; p99: number };
  /** p50 of the second half of the step over the first half: > 2 means the server fell further behind as the step went on. */
  backlogGrowth: number;
  serverCpuMsPerEvent: number;
  databaseCpuMsPerEvent: number;
  /** CPU per event of the bench's own processes: the load generator while sending, and this one (the fake LINE API and the measuring). */
  harnessCpuMsPerEvent: { generator: number; orchestrator: number };
  /** Share of the machine's CPU time left idle during the step and its drain (%): near 0 means every core was busy. */
  machineIdlePercent: number;
  rssMb: { max: number; end: number };
  /** Calls per round trip of the grouped database calls (src/database/grouped-calls.ts), all together and per call. */
  callsPerRoundTrip?: { all: number; byCall: Record<string, number> };
  generatorLagMs: number;
  loadAverage: number;
  keptUp: boolean;
  why?: string;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const runId = Date.now().toString(16);
  const started = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-loyalty-bench-'));
  const profileDir = join(projectRoot, 'bench', 'results', 'profiles');
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

  try {
    log(`machine: ${cpus().length} cores, load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
    const database = await startEmbeddedMongo({ backend: options.database, dataDir });
    cleanups.push(() => database.stop());
    const line = await startRecordingLineApi();
    cleanups.push(() => line.close());

    const serverEnv: Record<string, string> = {
      MONGODB_URI: database.uri,
      LINE_CHANNEL_SECRET: secret,
      LINE_CHANNEL_ACCESS_TOKEN: accessToken,
      LINE_API_BASE_URL: line.baseUrl,
      ADMIN_TOKENS: `admin:${adminToken}`,
      DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
      // A few hundred members carry the whole load, each far faster than a person types: flood control would
      // drop their events (not answered, so counted as missing) and measure the limiter instead of the turns.
      CHAT_RATE_LIMIT_EVENTS: '10000',
    };
    if (options.cpuProf) mkdirSync(profileDir, { recursive: true });
    const servers: { pid: number; baseUrl: string }[] = [];
    const floors: { pid: number; baseUrl: string }[] = [];
    for (let index = 0; index < options.processes; index += 1) {
      const server = await startChildServer(serverEnv, 60_000, options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
      cleanups.push(() => stopGracefully(server.pid, server.exited));
      servers.push(server);
      const floor = await startFloor(serverEnv);
      cleanups.push(() => stopGracefully(floor.pid, floor.exited));
      floors.push(floor);
    }
    const server = servers[0]!;
    log(`webhook server pid ${servers.map((each) => each.pid).join(', ')}, floor pid ${floors.map((each) => each.pid).join(', ')}, database pid ${database.pid} (${options.database === 'h2' ? `H2 file in ${dataDir}` : 'in memory'})`);

    const setup = await createProgramme(server.baseUrl);
    const userIds = Array.from({ length: options.members }, (_, index) => benchUserId(runId, index));
    const signupSeconds = await signUpMembers(server.baseUrl, line, userIds, runId);
    log(`${userIds.length} members signed up through the webhook in ${signupSeconds.toFixed(1)} s`);

    const generator = fork(join(__dirname, 'load-generator.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    cleanups.push(async () => generator.connected && generator.disconnect());
    const targets: Record<Target, { urls: string[]; pids: number[] }> = {
      floor: { urls: floors.map((floor) => `${floor.baseUrl}/webhooks/line`), pids: floors.map((floor) => floor.pid) },
      webhook: { urls: servers.map((each) => `${each.baseUrl}/webhooks/line`), pids: servers.map((each) => each.pid) },
    };
    const runStep = (target: Target, eventsPerSecond: number, durationMs: number, label: string) =>
      measureStep({ generator, line, target, urls: targets[target].urls, serverPids: targets[target].pids, databasePid: database.pid, eventsPerSecond, durationMs, userIds, setup, eventIdPrefix: `${runId}${label}` });

    log(`warming up both servers (${options.warmupSeconds} s at 200 events/s each, not reported)`);
    await runStep('floor', 200, options.warmupSeconds * 1000, 'WF');
    await runStep('webhook', 200, options.warmupSeconds * 1000, 'WW');

    const steps: StepResult[] = [];
    const stillRunning = new Set<Target>(['floor', 'webhook']);
    for (const [index, rate] of options.rates.entries()) {
      // Floor and webhook take turns at each rate, so that a burst of load from elsewhere on the machine hits both.
      for (const target of ['floor', 'webhook'] as const) {
        if (!stillRunning.has(target)) continue;
        const result = await runStep(target, rate, options.stepSeconds * 1000, `${index}${target === 'floor' ? 'F' : 'W'}`);
        steps.push(result);
        log(describeStep(result));
        // The steps only go up: a target that fell behind once would only fall further behind, and cost minutes.
        if (!result.keptUp) stillRunning.delete(target);
      }
    }

    const summary = summarise(steps, options);
    const rss = servers.reduce((sum, each) => sum + readRssMb(each.pid), 0);
    const report = {
      kind: 'webhook-benchmark',
      startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
      durationSeconds: Math.round((performance.now() - started) / 1000),
      machine: { cores: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtEnd: loadavg(), node: process.version },
      options,
      mix: 'requests: 30% check-in, 30% card, 25% COLLECT <code>, 15% redeem + confirm (two events in one request)',
      summary: { ...summary, webhookRssMbAtEnd: rss },
      steps,
    };
    printTable(steps, summary);
    const resultsDir = join(projectRoot, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `webhook-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`saved ${relative(projectRoot, file)}`);
    await cleanUp();
    if (options.cpuProf) log(`CPU profile of the webhook server: ${relative(projectRoot, profileDir)}/*.cpuprofile (open in Chrome DevTools → Performance)`);
    process.exit(0);
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

async function startFloor(env: Record<string, string>): Promise<{ pid: number; baseUrl: string; exited: Promise<string> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'floor-server.ts')], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<string>((resolveExit) => child.once('exit', (code, signal) => resolveExit(signal ?? `exit code ${code}`)));
  process.once('exit', () => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolvePort, reject) => {
    void exited.then((how) => reject(new Error(`the floor server stopped (${how}) before it listened`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /floor listening on port (\d+)/.exec(line);
      if (match) resolvePort(Number(match[1]));
    });
  });
  return { pid: child.pid!, baseUrl: `http://127.0.0.1:${port}`, exited };
}

async function stopGracefully(pid: number, exited: Promise<string>): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => process.kill(pid, 'SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function admin(baseUrl: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}/admin/api${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`POST /admin/api${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** A reward every member can afford many times, and one store code every member may use many times. */
async function createProgramme(baseUrl: string): Promise<TrafficSetup> {
  const reward = await admin(baseUrl, '/rewards', {
    name: { 'zh-TW': '基準測試咖啡', en: 'Benchmark coffee' },
    cost: 10,
    stock: 10_000_000,
  });
  const codes = await admin(baseUrl, '/point-codes', {
    points: 10,
    maxUses: 1_000_000,
    perMemberLimit: 1_000_000,
    expiresAt: new Date(Date.now() + 24 * 3600_000).toISOString(),
    storeLabel: 'Bench',
  });
  const rewardId = String((reward.reward as { id?: string } | undefined)?.id ?? reward.id);
  const code = String(((codes.codes as { code: string }[] | undefined) ?? [])[0]?.code ?? '');
  if (rewardId === 'undefined' || code === '') throw new Error(`unexpected admin answers: ${JSON.stringify({ reward, codes })}`);
  return { rewardId, pointCode: code };
}

/** Members join through the signup flow (five events in one request each, as LINE batches one person's events). */
async function signUpMembers(baseUrl: string, line: LineRecorder, userIds: string[], runId: string): Promise<number> {
  const started = performance.now();
  const nextEventId = eventIdFactory(`${runId}S`);
  let next = 0;
  const send = async () => {
    while (next < userIds.length) {
      const index = next++;
      const { body, signature } = webhookRequest(signupEvents(nextEventId, userIds[index]!, index), secret);
      const response = await fetch(`${baseUrl}/webhooks/line`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-line-signature': signature },
        body,
      });
      if (response.status !== 200) throw new Error(`signup webhook answered ${response.status}: ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 20 }, send));
  const expected = userIds.length * 5;
  const deadline = performance.now() + 180_000;
  while (line.replies().length + line.pushes().length < expected && performance.now() < deadline) await sleep(100);
  const answered = line.replies().length + line.pushes().length;
  // A few late answers do not spoil the run (those members just start with fewer points); many mean a broken setup.
  if (answered < expected * 0.98) throw new Error(`only ${answered} of ${expected} signup replies arrived in 180 s`);
  if (answered < expected) log(`${expected - answered} of ${expected} signup replies had not arrived; going on`);
  line.reset();
  return (performance.now() - started) / 1000;
}

interface StepInput {
  generator: ChildProcess;
  line: LineRecorder;
  target: Target;
  urls: string[];
  serverPids: number[];
  databasePid: number;
  eventsPerSecond: number;
  durationMs: number;
  userIds: string[];
  setup: TrafficSetup;
  eventIdPrefix: string;
}

const inTimeMs = 2000;
const drainMs = 5000;

async function measureStep(input: StepInput): Promise<StepResult> {
  const { line } = input;
  line.reset();
  const serverCpuMs = () => input.serverPids.reduce((sum, pid) => sum + readCpuMs(pid), 0);
  const serverRssMb = () => input.serverPids.reduce((sum, pid) => sum + readRssMb(pid), 0);
  const cpuNow = () => ({ server: serverCpuMs(), database: readCpuMs(input.databasePid), orchestrator: readCpuMs(process.pid), machine: readMachineTicks() });
  let cpuBefore = cpuNow();
  const groupedBefore = await readGroupedCalls(input.urls);
  const rssSamples: number[] = [];
  const sampler = setInterval(() => rssSamples.push(serverRssMb()), 250);
  const order: StepOrder = {
    kind: 'step',
    urls: input.urls,
    secret,
    eventsPerSecond: input.eventsPerSecond,
    durationMs: input.durationMs,
    userIds: input.userIds,
    setup: input.setup,
    eventIdPrefix: input.eventIdPrefix,
  };
  // The step starts when its first request goes out, not when the generator starts building them.
  let stepStarted = performance.timeOrigin + performance.now();
  const report = await new Promise<StepReport>((resolveReport) => {
    const onMessage = (message: StepSending | StepReport) => {
      if (message.kind === 'sending') {
        stepStarted = message.startedAt;
        cpuBefore = cpuNow();
        return;
      }
      input.generator.off('message', onMessage);
      resolveReport(message);
    };
    input.generator.on('message', onMessage);
    input.generator.send(order);
  });
  const expected = Object.keys(report.sentAt).length;
  const drainDeadline = performance.now() + drainMs;
  while (line.replies().length < expected && performance.now() < drainDeadline) await sleep(50);
  clearInterval(sampler);
  const cpuAfter = cpuNow();
  const groupedAfter = await readGroupedCalls(input.urls);

  const stepEnd = stepStarted + input.durationMs;
  const latencies: { sentAt: number; ms: number }[] = [];
  let repliedInTime = 0;
  let failedReplies = 0;
  for (const reply of line.replies()) {
    if (reply.status !== 200) failedReplies += 1;
    const token = (reply.body as { replyToken?: string }).replyToken ?? '';
    const sentAt = report.sentAt[token];
    if (sentAt === undefined) continue;
    latencies.push({ sentAt, ms: reply.receivedAt - sentAt });
    if (reply.receivedAt <= stepEnd + inTimeMs) repliedInTime += 1;
  }
  const sorted = latencies.map((latency) => latency.ms).sort((a, b) => a - b);
  const bySendTime = [...latencies].sort((a, b) => a.sentAt - b.sentAt);
  const half = Math.floor(bySendTime.length / 2);
  const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
  const earlyP50 = median(bySendTime.slice(0, half).map((latency) => latency.ms));
  const lateP50 = median(bySendTime.slice(half).map((latency) => latency.ms));
  const backlogGrowth = earlyP50 > 0 ? lateP50 / earlyP50 : 1;
  const httpErrors = Object.entries(report.statuses).filter(([status]) => status !== '200').reduce((sum, [, count]) => sum + count, 0);
  const ackSorted = [...report.ackMs].sort((a, b) => a - b);
  const latencyMs = { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 };

  const problems: string[] = [];
  if (httpErrors > 0) problems.push(`${httpErrors} webhook requests failed`);
  if (failedReplies + line.pushes().length + line.unexpected().length > 0) problems.push(`${failedReplies} replies failed, ${line.pushes().length} pushed`);
  if (repliedInTime < expected * 0.99) problems.push(`${expected - repliedInTime} of ${expected} not replied within ${inTimeMs / 1000} s of the step's end`);
  if (report.achievedEventsPerSecond < input.eventsPerSecond * 0.95) problems.push(`the generator sent only ${Math.round(report.achievedEventsPerSecond)}/s`);
  if (backlogGrowth > 2 && lateP50 > 100) problems.push(`backlog grew (p50 ${Math.round(earlyP50)} → ${Math.round(lateP50)} ms)`);
  if (latencyMs.p99 > 1000) problems.push(`p99 ${Math.round(latencyMs.p99)} ms`);
  const events = Math.max(report.events, 1);
  await settle(line, expected);
  return {
    target: input.target,
    offeredEventsPerSecond: input.eventsPerSecond,
    achievedEventsPerSecond: Math.round(report.achievedEventsPerSecond),
    events: report.events,
    replied: latencies.length,
    repliedInTime,
    missing: expected - latencies.length,
    pushed: line.pushes().length,
    httpErrors,
    statuses: report.statuses,
    latencyMs: roundAll(latencyMs),
    ackMs: roundAll({ p50: percentile(ackSorted, 50), p99: percentile(ackSorted, 99) }),
    backlogGrowth: Math.round(backlogGrowth * 100) / 100,
    serverCpuMsPerEvent: round2((cpuAfter.server - cpuBefore.server) / events),
    databaseCpuMsPerEvent: round2((cpuAfter.database - cpuBefore.database) / events),
    harnessCpuMsPerEvent: { generator: round2(report.cpuMs / events), orchestrator: round2((cpuAfter.orchestrator - cpuBefore.orchestrator) / events) },
    machineIdlePercent: Math.round((100 * (cpuAfter.machine.idle - cpuBefore.machine.idle)) / Math.max(1, cpuAfter.machine.total - cpuBefore.machine.total)),
    rssMb: { max: Math.max(0, ...rssSamples), end: serverRssMb() },
    ...(groupedBefore && groupedAfter ? { callsPerRoundTrip: callsPerRoundTrip(groupedBefore, groupedAfter) } : {}),
    generatorLagMs: report.maxScheduleLagMs,
    loadAverage: round2(loadavg()[0]!),
    keptUp: problems.length === 0,
    ...(problems.length > 0 ? { why: problems.join('; ') } : {}),
  };
}

interface Summary {
  sustainedEventsPerSecond: { webhook: number; floor: number };
  /** webhook ÷ floor sustained rate; when the floor kept up with the highest rate offered, the ratio is an upper bound. */
  ratioToFloor: number | null;
  floorCapped: boolean;
  cpuRatioToFloor: number | null;
  webhookP99MsAt500: number | null;
  targets: Record<string, { target: string; measured: number | null; met: boolean | null }>;
}

function summarise(steps: StepResult[], options: Options): Summary {
  const sustained = (target: Target) => Math.max(0, ...steps.filter((step) => step.target === target && step.keptUp).map((step) => step.offeredEventsPerSecond));
  const webhook = sustained('webhook');
  const floor = sustained('floor');
  // When even the floor kept up with no step, the machine was too busy for a rate ratio: say so rather than print 0.
  const ratio = floor > 0 ? webhook / floor : null;
  const at500 = steps.find((step) => step.target === 'webhook' && step.offeredEventsPerSecond === 500);
  const highest = Math.max(...options.rates);
  // CPU per event at the rates both targets ran: the figure least moved by other load on the machine.
  const bothRan = (rate: number) => steps.filter((step) => step.offeredEventsPerSecond === rate).length === 2;
  const cpuOf = (target: Target) => {
    const measured = steps.filter((step) => step.target === target && bothRan(step.offeredEventsPerSecond));
    return measured.length === 0 ? null : measured.reduce((sum, step) => sum + step.serverCpuMsPerEvent + step.databaseCpuMsPerEvent, 0) / measured.length;
  };
  const webhookCpu = cpuOf('webhook');
  const floorCpu = cpuOf('floor');
  const floorCapped = floor === highest;
  // A floor that kept up with the highest step makes the ratio an upper bound: below 0.5 it is surely missed,
  // at or above it is unknown until a higher step finds the floor's capacity.
  const ratioMet = ratio === null ? null : ratio < 0.5 ? false : floorCapped ? null : true;
  return {
    sustainedEventsPerSecond: { webhook, floor },
    ratioToFloor: ratio === null ? null : round2(ratio),
    floorCapped,
    cpuRatioToFloor: webhookCpu && floorCpu ? round2(floorCpu / webhookCpu) : null,
    webhookP99MsAt500: at500?.latencyMs.p99 ?? null,
    targets: {
      sustained: { target: '≥ 1000 events/s', measured: webhook, met: webhook >= 1000 },
      p99At500: { target: '≤ 50 ms', measured: at500?.latencyMs.p99 ?? null, met: at500 ? at500.latencyMs.p99 <= 50 : null },
      ratio: { target: '≥ 0.5 of the floor', measured: ratio === null ? null : round2(ratio), met: ratioMet },
    },
  };
}

function describeStep(step: StepResult): string {
  const verdict = step.keptUp ? 'kept up' : `FELL BEHIND: ${step.why}`;
  return `${step.target.padEnd(7)} ${String(step.offeredEventsPerSecond).padStart(5)} ev/s  p50 ${step.latencyMs.p50} p95 ${step.latencyMs.p95} p99 ${step.latencyMs.p99} ms  cpu ${step.serverCpuMsPerEvent}+${step.databaseCpuMsPerEvent} ms/ev  rss ${step.rssMb.max} MB  load ${step.loadAverage}  ${verdict}`;
}

function printTable(steps: StepResult[], summary: Summary): void {
  const header = ['target', 'offered/s', 'sent/s', 'replied', 'p50 ms', 'p95 ms', 'p99 ms', 'ack p99', 'node ms/ev', 'db ms/ev', 'bench ms/ev (gen+orch)', 'idle %', 'calls/trip', 'RSS MB', 'load', 'verdict'];
  const rows = steps.map((step) => [
    step.target,
    String(step.offeredEventsPerSecond),
    String(step.achievedEventsPerSecond),
    `${step.repliedInTime}/${step.events}`,
    String(step.latencyMs.p50),
    String(step.latencyMs.p95),
    String(step.latencyMs.p99),
    String(step.ackMs.p99),
    String(step.serverCpuMsPerEvent),
    String(step.databaseCpuMsPerEvent),
    `${step.harnessCpuMsPerEvent.generator}+${step.harnessCpuMsPerEvent.orchestrator}`,
    String(step.machineIdlePercent),
    step.callsPerRoundTrip ? String(step.callsPerRoundTrip.all) : '-',
    String(step.rssMb.max),
    String(step.loadAverage),
    step.keptUp ? 'kept up' : `behind: ${step.why}`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padStart(widths[column]!))).join('  ');
  console.log(`\n${line(header)}\n${rows.map(line).join('\n')}\n`);
  const mark = (met: boolean | null) => (met === null ? 'not measured (see above)' : met ? 'met' : 'NOT met');
  const { targets } = summary;
  console.log(`sustained:  webhook ${summary.sustainedEventsPerSecond.webhook} events/s, floor ${summary.sustainedEventsPerSecond.floor} events/s (highest step where every event was answered in time, without errors or a growing backlog)`);
  console.log(`ratio:      ${summary.ratioToFloor ?? 'n/a (the floor kept up with no step: the machine was too busy)'}${summary.floorCapped ? ' (the floor kept up with the highest step, so its real capacity is higher: the ratio is at most this)' : ''}; CPU per event (node + database), floor ÷ webhook: ${summary.cpuRatioToFloor ?? 'n/a'}`);
  console.log(`targets:    sustained ${targets.sustained!.target}: ${mark(targets.sustained!.met)} · p99 at 500/s ${targets.p99At500!.target}: ${targets.p99At500!.measured ?? '-'} ms, ${mark(targets.p99At500!.met)} · ratio ${targets.ratio!.target}: ${mark(targets.ratio!.met)}`);
  console.log(`latency is from the load generator writing the request to the reply reaching the fake LINE API; node/db ms/ev is CPU time of the server process and of the embedded database per event`);
  console.log(`calls/trip: how many turns shared each round trip of the grouped database calls (the server's loyalty_db_grouped_* metrics; per call in the JSON)`);
}

/** The next step starts only when this one's backlog is gone, so that it does not pay for this one's leftovers. */
async function settle(line: LineRecorder, expected: number): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (line.replies().length + line.pushes().length < expected && performance.now() < deadline) await sleep(100);
  await sleep(500);
}

type GroupedTotals = Map<string, { calls: number; trips: number }>;

/** The servers' grouped-call totals from their /metrics, added up; null where there are none (the floor). */
async function readGroupedCalls(webhookUrls: string[]): Promise<GroupedTotals | null> {
  const totals: GroupedTotals = new Map();
  for (const webhookUrl of webhookUrls) {
    const response = await fetch(new URL('/metrics', webhookUrl)).catch(() => null);
    if (response === null || !response.ok) continue;
    for (const match of (await response.text()).matchAll(/^loyalty_db_grouped_(calls|round_trips)_total\{call="([^"]+)"\} (\d+)/gm)) {
      const entry = totals.get(match[2]!) ?? { calls: 0, trips: 0 };
      entry[match[1] === 'calls' ? 'calls' : 'trips'] += Number(match[3]);
      totals.set(match[2]!, entry);
    }
  }
  return totals.size > 0 ? totals : null;
}

function callsPerRoundTrip(before: GroupedTotals, after: GroupedTotals): { all: number; byCall: Record<string, number> } {
  const byCall: Record<string, number> = {};
  let calls = 0;
  let trips = 0;
  for (const [call, total] of after) {
    const callDelta = total.calls - (before.get(call)?.calls ?? 0);
    const tripDelta = total.trips - (before.get(call)?.trips ?? 0);
    if (tripDelta === 0) continue;
    byCall[call] = round2(callDelta / tripDelta);
    calls += callDelta;
    trips += tripDelta;
  }
  return { all: trips === 0 ? 0 : round2(calls / trips), byCall };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function readCpuMs(pid: number): number {
  try {
    // /proc/<pid>/stat: fields 14 and 15 are user and system time in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The machine's CPU time so far from /proc/stat's first line, in clock ticks: idle (with I/O wait) and all. */
function readMachineTicks(): { idle: number; total: number } {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    return { idle: ticks[3]! + ticks[4]!, total: ticks.reduce((sum, tick) => sum + tick, 0) };
  } catch {
    return { idle: 0, total: 0 };
  }
}

function readRssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

const roundAll = <T extends Record<string, number>>(values: T): T =>
  Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Math.round(value * 10) / 10])) as T;
const round2 = (value: number) => Math.round(value * 100) / 100;
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
const log = (message: string) => console.log(`[bench] ${message}`);

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
