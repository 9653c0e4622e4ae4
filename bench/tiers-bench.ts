// npm run bench:tiers [-- --members 1000000 --backend memory|h2 --runs 3 --batch-size 1000 --heap 6144]
// Seeds N members with monthly earned buckets into its own embedded database, then per run:
// a floor (one lean cursor pass with the job's projection and batch size, nothing per member)
// and the real recalculateTiers, sampling this Node process's RSS every 100 ms. Results go to
// the console and bench/results/tiers-<timestamp>.json. Seeding is timed apart and not counted.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { startEmbeddedMongo, type EmbeddedMongo } from '../src/database/embedded-mongo';
import { connectMongo, initModels } from '../src/database/mongo-connection';
import { memberTierProjection } from '../src/loyalty/tiers/member-tier-repository';
import { defaultTierBatchSize, recalculateTiers, type RecalculationProgress } from '../src/loyalty/tiers/recalculate-tiers';
import { defaultTierRules, type TierRules } from '../src/loyalty/tiers/tier-rules';
import { createRepositories, modelsOf, type Repositories } from '../src/repositories';
import { progressReporter } from '../scripts/progress-reporter';

const zone = 'Asia/Taipei';
/** A fixed decision time, so runs on the same seed make the same decisions. */
const now = DateTime.fromISO('2026-11-24T02:00:00', { zone });
/** Grace days so that recent upgrades below their retain threshold stay put (inGracePeriod). */
const rules: TierRules = { ...defaultTierRules, downgrade: { mode: 'oneTierAtATime', graceDays: 30 } };
const seedBatchSize = 5_000;
const targets = { seconds: 60, rssMegabytes: 300, ratio: 0.5, members: 1_000_000 };

interface Options {
  members: number;
  backend: 'memory' | 'h2';
  runs: number;
  batchSize: number | undefined;
  heapMegabytes: number;
  /** The share of members whose current tier is drawn at random instead of settled by last night's run. */
  churn: number;
  out: string | undefined;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      members: { type: 'string', default: '100000' },
      backend: { type: 'string', default: 'memory' },
      runs: { type: 'string', default: '1' },
      'batch-size': { type: 'string' },
      heap: { type: 'string' },
      churn: { type: 'string', default: '0.25' },
      out: { type: 'string' },
    },
  });
  const members = Number(values.members);
  const runs = Number(values.runs);
  if (!Number.isInteger(members) || members < 1) throw new Error('--members must be a positive whole number, e.g. --members 1000000');
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive whole number');
  if (values.backend !== 'memory' && values.backend !== 'h2') throw new Error('--backend must be memory or h2');
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  // mongo-java-server keeps every document as Java objects, and a sorted cursor holds the whole
  // result: 1M members filled a 6 GB heap and spent most of the job in full GCs. About 10 KB a member.
  const heapMegabytes = values.heap === undefined ? Math.max(512, Math.ceil((members * 10) / 1024) + 512) : Number(values.heap);
  const churn = Number(values.churn);
  if (!(churn >= 0 && churn <= 1)) throw new Error('--churn must be between 0 and 1, e.g. --churn 0.25');
  return { members, backend: values.backend, runs, batchSize, heapMegabytes, churn, out: values.out };
}

/** mulberry32: a tiny seeded generator, so every run seeds the same members. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const monthKeys = Array.from({ length: 36 }, (_, back) => now.startOf('month').minus({ months: back }).toFormat('yyyy-MM'));

/** The rolling 12 months at `now`: monthKeys[0..11]. */
const windowMonths = new Set(monthKeys.slice(0, 12));
const nowMillis = now.toMillis();

/**
 * A member as signup and awardPoints leave it. Activity: 45 % inactive (nothing, or only buckets
 * older than the window), 35 % light, 15 % regular, 5 % heavy. The current tier is the one the
 * member's points reach (last night's run settled it), except for a `churn` share whose tier is
 * drawn 70/20/10 % member, silver, gold regardless of activity; half of all members entered their
 * tier in the last 90 days. With 30 grace days that gives upgrades, downgrades, grace periods
 * and unchanged members; `--churn 1` is the worst night (every tier random, about 4 in 10 move).
 */
function memberDocument(index: number, random: () => number, churn: number) {
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const earnedByMonth: Record<string, number> = {};
  const activity = random();
  const [months, lowBack, highBack, lowPoints, highPoints] =
    activity < 0.45 ? (random() < 0.5 ? [0, 0, 0, 0, 0] : [between(1, 4), 12, 35, 50, 500])
    : activity < 0.8 ? [between(1, 4), 0, 11, 20, 150]
    : activity < 0.95 ? [between(4, 12), 0, 11, 50, 300]
    : [between(8, 24), 0, 23, 300, 1500];
  for (let month = 0; month < months; month += 1) {
    const key = monthKeys[between(lowBack, highBack)]!;
    earnedByMonth[key] = (earnedByMonth[key] ?? 0) + between(lowPoints, highPoints);
  }
  const earnedTotal = Object.values(earnedByMonth).reduce((sum, points) => sum + points, 0);
  const tierDraw = random();
  let qualifying = 0;
  for (const [month, earned] of Object.entries(earnedByMonth)) if (windowMonths.has(month)) qualifying += earned;
  const settled = [...rules.tiers].reverse().find((rule) => qualifying >= rule.entryThreshold)!.id;
  const tier = random() >= churn ? settled : tierDraw < 0.7 ? 'member' : tierDraw < 0.9 ? 'silver' : 'gold';
  const tierSince = random() < 0.5 ? null : new Date(nowMillis - between(0, 90 * 24 * 60) * 60_000);
  const id = `m_bench${String(index).padStart(9, '0')}`;
  const points = Math.floor(earnedTotal * 0.4);
  return {
    _id: id,
    signupKey: `line:U${index.toString(16).padStart(32, '0')}`,
    name: `Bench member ${index}`,
    mobile: `09${String(index % 100_000_000).padStart(8, '0')}`,
    birthday: null,
    locale: random() < 0.7 ? 'zh-TW' : 'en',
    tier,
    points,
    earnedTotal,
    checkIn: { streak: between(0, 7), lastDay: months > 0 ? '2026-11-20' : null },
    consents: [{ document: 'terms', version: '2026-01', acceptedAt: new Date('2026-01-15T00:00:00Z') }],
    identities: [{ channel: 'line', channelUserId: `U${index.toString(16).padStart(32, '0')}` }],
    lots: points > 0 ? [{ key: `award:${id}:1`, points, remaining: points, earnedAt: new Date('2026-10-01T00:00:00Z'), expiresAt: new Date('2027-10-01T00:00:00Z') }] : [],
    earnedByMonth,
    ...(tierSince === null ? {} : { tierSince }),
    appliedEntries: [],
    notices: [],
    noticeKeys: [],
    revision: months,
    createdAt: new Date('2025-01-01T00:00:00Z'),
  };
}

async function seed(repositories: Repositories, members: number, churn: number): Promise<number> {
  const started = performance.now();
  await repositories.members.model.collection.deleteMany({});
  await repositories.tierHistory.model.deleteMany({});
  await repositories.jobCheckpoints.model.deleteMany({});
  const random = seededRandom(20261124);
  const report = progressReporter('seed', 'members', process.stdout.isTTY === true);
  for (let start = 0; start < members; start += seedBatchSize) {
    const docs = Array.from({ length: Math.min(seedBatchSize, members - start) }, (_, offset) => memberDocument(start + offset, random, churn));
    // lean: no casting or validation, so `tierSince` (not in the Member schema) is stored as given.
    await repositories.members.model.insertMany(docs, { lean: true, ordered: false });
    report({ processed: start + docs.length, total: members });
  }
  report.done();
  return (performance.now() - started) / 1000;
}

/**
 * Puts the members a run moved back to their seeded tier, so the next run measures the same
 * night without seeding a million members again: the seed is regenerated (it is deterministic)
 * and only the moved members are written.
 */
async function restoreSeed(repositories: Repositories, members: number, churn: number, runId: string): Promise<number> {
  const started = performance.now();
  const moved = new Set((await repositories.tierHistory.model.find({ runId }, { memberId: 1 }).lean()).map((change) => change.memberId));
  const random = seededRandom(20261124);
  const collection = repositories.members.model.collection;
  let writes: Parameters<typeof collection.bulkWrite>[0][number][] = [];
  for (let index = 0; index < members; index += 1) {
    const doc = memberDocument(index, random, churn);
    if (!moved.has(doc._id)) continue;
    const update = doc.tierSince === undefined ? { $set: { tier: doc.tier }, $unset: { tierSince: '' } } : { $set: { tier: doc.tier, tierSince: doc.tierSince } };
    writes.push({ updateOne: { filter: { _id: doc._id as never }, update } });
    if (writes.length >= seedBatchSize) {
      await collection.bulkWrite(writes, { ordered: false });
      writes = [];
    }
  }
  if (writes.length > 0) await collection.bulkWrite(writes, { ordered: false });
  await repositories.tierHistory.model.deleteMany({});
  return (performance.now() - started) / 1000;
}

/** The floor: what reading the members costs with the job's own projection and batch size. */
async function floorPass(repositories: Repositories, members: number, batchSize: number, javaPid: number) {
  const report = progressReporter('floor', 'members', process.stdout.isTTY === true);
  const cpu = cpuMeter(javaPid);
  const started = performance.now();
  // Read as the job's repository reads (member-tier-repository.ts `batches`): a driver batch at a
  // time from the cursor's buffer, the next one fetched while this one is taken.
  const cursor = repositories.members.model.collection.find({}, { projection: memberTierProjection, sort: { _id: 1 }, batchSize });
  let seen = 0;
  let more = cursor.hasNext();
  while (await more) {
    seen += cursor.readBufferedDocuments(batchSize).length;
    more = cursor.hasNext();
    report({ processed: seen, total: members });
  }
  await cursor.close();
  const seconds = (performance.now() - started) / 1000;
  report({ processed: seen, total: members });
  report.done();
  if (seen !== members) throw new Error(`The floor pass read ${seen} members, expected ${members}`);
  return { seconds, cpu: cpu() };
}

interface RssSample {
  atMs: number;
  rssBytes: number;
  processed: number;
}

/** Samples this process's RSS every 100 ms, tagged with the job's progress at that moment. */
function sampleRss() {
  const started = performance.now();
  const samples: RssSample[] = [];
  let processed = 0;
  const take = () => samples.push({ atMs: Math.round(performance.now() - started), rssBytes: process.memoryUsage.rss(), processed });
  take();
  const timer = setInterval(take, 100);
  return {
    progress(value: number) {
      processed = value;
    },
    stop(): RssSample[] {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

const megabytes = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/**
 * CPU seconds of this process and of the database process over a phase. The machine is shared,
 * so wall time swings with other people's work; CPU time says what the phase itself cost.
 */
function cpuMeter(javaPid: number) {
  const javaSeconds = () => {
    const fields = readFileSync(`/proc/${javaPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  const node = process.cpuUsage();
  const java = javaSeconds();
  return () => {
    const used = process.cpuUsage(node);
    return { nodeCpuSeconds: round((used.user + used.system) / 1e6), javaCpuSeconds: round(javaSeconds() - java) };
  };
}

function javaRssMegabytes(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

async function jobRun(repositories: Repositories, members: number, batchSize: number | undefined, javaPid: number) {
  const report = progressReporter('job', 'members', process.stdout.isTTY === true);
  const rss = sampleRss();
  const cpu = cpuMeter(javaPid);
  const started = performance.now();
  const result = await recalculateTiers(repositories, {
    now,
    zone,
    leaseClock: () => new Date(),
    ...(batchSize === undefined ? {} : { batchSize }),
    onProgress: (progress: RecalculationProgress) => {
      rss.progress(progress.processed);
      report(progress);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuUsed = cpu();
  const samples = rss.stop();
  report.done();
  if (result.kind !== 'completed') throw new Error(`The job did not run: the lease is held by ${result.owner}`);
  const rssAt = (fraction: number) => megabytes(samples.find((sample) => sample.processed >= fraction * members)?.rssBytes ?? Number.NaN);
  const rssAtProgress = { '10%': rssAt(0.1), '50%': rssAt(0.5), '90%': rssAt(0.9) };
  const peakRssMegabytes = megabytes(Math.max(...samples.map((sample) => sample.rssBytes)));
  // Flat: the highest RSS while the second half of the members was processed is within 10 % (at least 30 MB) of the
  // highest while 10-50 % were. Peaks, not single samples: a sample lands anywhere on the garbage collector's
  // sawtooth (tens of MB), while memory kept per member would lift every later peak.
  const peakBetween = (from: number, to: number) =>
    megabytes(Math.max(...samples.filter((sample) => sample.processed >= from * members && sample.processed <= to * members).map((sample) => sample.rssBytes)));
  const peakRssByHalf = { '10-50%': peakBetween(0.1, 0.5), '50-100%': peakBetween(0.5, 1) };
  const growth = peakRssByHalf['50-100%'] - peakRssByHalf['10-50%'];
  const rssFlat = growth < Math.max(30, peakRssByHalf['10-50%'] * 0.1);
  const historyEntries = await repositories.tierHistory.countOfRun(result.runId);
  return {
    runId: result.runId,
    seconds,
    cpu: cpuUsed,
    result: { upgrades: result.upgrades, downgrades: result.downgrades, unchanged: result.unchanged, historyEntries },
    startRssMegabytes: megabytes(samples[0]!.rssBytes),
    peakRssMegabytes,
    rssAtProgress,
    peakRssByHalf,
    rssFlat,
    rssSamples: samples.filter((_, index) => index % 10 === 0).map((sample) => ({ ...sample, rssBytes: undefined, rssMegabytes: megabytes(sample.rssBytes) })),
  };
}

async function main(): Promise<void> {
  const options = readOptions();
  const dataDir = options.backend === 'h2' ? mkdtempSync(join(tmpdir(), 'tiers-bench-')) : undefined;
  let embedded: EmbeddedMongo | undefined;
  try {
    embedded = await startEmbeddedMongo({ backend: options.backend, dataDir, heapMegabytes: options.heapMegabytes });
    const connection = await connectMongo(embedded.uri, 'tiers-bench');
    try {
      const repositories = createRepositories(connection);
      await initModels(modelsOf(repositories));
      await repositories.tierRules.publish(rules, new Date());
      const batchSize = options.batchSize ?? defaultTierBatchSize;
      console.log(`Tier job benchmark: ${options.members} members, ${options.backend} backend (Java heap ${options.heapMegabytes} MB), batch size ${batchSize}, churn ${options.churn}, ${options.runs} run(s)`);

      const runs = [];
      let lastRunId: string | undefined;
      const out = options.out ?? join('bench', 'results', `tiers-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      mkdirSync(join(out, '..'), { recursive: true });
      for (let run = 1; run <= options.runs; run += 1) {
        // Every run starts from the same seeded members: the job moves tiers, so a second run on
        // the moved members would measure a different (much quieter) night.
        const seedSeconds = lastRunId === undefined ? await seed(repositories, options.members, options.churn) : await restoreSeed(repositories, options.members, options.churn, lastRunId);
        const floor = await floorPass(repositories, options.members, batchSize, embedded.pid);
        const floorSeconds = floor.seconds;
        const job = await jobRun(repositories, options.members, options.batchSize, embedded.pid);
        const summary = {
          run,
          seedSeconds: round(seedSeconds),
          floorSeconds: round(floorSeconds),
          floorMembersPerSecond: Math.round(options.members / floorSeconds),
          jobSeconds: round(job.seconds),
          jobMembersPerSecond: Math.round(options.members / job.seconds),
          ratio: round(floorSeconds / job.seconds),
          floorCpu: floor.cpu,
          ...job,
          javaRssMegabytes: javaRssMegabytes(embedded.pid),
        };
        console.log(
          `run ${run}: job ${summary.jobSeconds} s (${summary.jobMembersPerSecond}/s), floor ${summary.floorSeconds} s (${summary.floorMembersPerSecond}/s), ` +
            `ratio ${summary.ratio}, peak RSS ${summary.peakRssMegabytes} MB, seeding ${summary.seedSeconds} s; ` +
            `CPU s node/java: job ${job.cpu.nodeCpuSeconds}/${job.cpu.javaCpuSeconds}, floor ${floor.cpu.nodeCpuSeconds}/${floor.cpu.javaCpuSeconds}`,
        );
        runs.push(summary);
        lastRunId = job.runId;
        // Saved after every run, so a long benchmark that is stopped still leaves its runs.
        writeFileSync(out, `${JSON.stringify(reportOf(options, batchSize, runs), null, 2)}\n`);
      }
      printTable(reportOf(options, batchSize, runs));
      console.log(`Saved ${out}`);
    } finally {
      await connection.close();
    }
  } finally {
    await embedded?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

const round = (value: number) => Math.round(value * 1000) / 1000;

type RunSummary = {
  run: number;
  seedSeconds: number;
  floorSeconds: number;
  floorMembersPerSecond: number;
  jobSeconds: number;
  jobMembersPerSecond: number;
  ratio: number;
  cpu: { nodeCpuSeconds: number; javaCpuSeconds: number };
  floorCpu: { nodeCpuSeconds: number; javaCpuSeconds: number };
  peakRssMegabytes: number;
  rssFlat: boolean;
  rssAtProgress: Record<string, number>;
  peakRssByHalf: Record<string, number>;
  result: { upgrades: number; downgrades: number; unchanged: number; historyEntries: number };
};

function reportOf(options: Options, batchSize: number, runs: (RunSummary & Record<string, unknown>)[]) {
  const best = runs.reduce((a, b) => (b.jobSeconds < a.jobSeconds ? b : a));
  const spread = (pick: (run: RunSummary) => number) => ({ min: Math.min(...runs.map(pick)), max: Math.max(...runs.map(pick)) });
  const meets = {
    seconds: options.members < targets.members ? null : best.jobSeconds <= targets.seconds,
    rss: runs.every((run) => run.peakRssMegabytes <= targets.rssMegabytes && run.rssFlat),
    ratio: best.ratio >= targets.ratio,
  };
  return {
    benchmark: 'tier-recalculation',
    at: new Date().toISOString(),
    machine: { node: process.version, platform: process.platform, cpus: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? null },
    members: options.members,
    backend: options.backend,
    javaHeapMegabytes: options.heapMegabytes,
    churn: options.churn,
    batchSize,
    rules,
    now: now.toISO(),
    targets,
    meets,
    best: { run: best.run, jobSeconds: best.jobSeconds, jobMembersPerSecond: best.jobMembersPerSecond, floorSeconds: best.floorSeconds, floorMembersPerSecond: best.floorMembersPerSecond, ratio: best.ratio, peakRssMegabytes: best.peakRssMegabytes },
    spread: { jobSeconds: spread((run) => run.jobSeconds), floorSeconds: spread((run) => run.floorSeconds), ratio: spread((run) => run.ratio), peakRssMegabytes: spread((run) => run.peakRssMegabytes), seedSeconds: spread((run) => run.seedSeconds) },
    runs,
  };
}

function printTable(report: ReturnType<typeof reportOf>): void {
  const rows = report.runs.map((run) => ({
    run: run.run,
    'seed s': run.seedSeconds,
    'floor s': run.floorSeconds,
    'floor /s': run.floorMembersPerSecond,
    'job s': run.jobSeconds,
    'job /s': run.jobMembersPerSecond,
    ratio: run.ratio,
    'CPU s job n/j': `${run.cpu.nodeCpuSeconds}/${run.cpu.javaCpuSeconds}`,
    'CPU s floor n/j': `${run.floorCpu.nodeCpuSeconds}/${run.floorCpu.javaCpuSeconds}`,
    'peak RSS MB': run.peakRssMegabytes,
    'RSS 10/50/90% MB': Object.values(run.rssAtProgress).join(' / '),
    'peak RSS 10-50/50-100% MB': Object.values(run.peakRssByHalf).join(' / '),
    flat: run.rssFlat,
    'up/down/same': `${run.result.upgrades}/${run.result.downgrades}/${run.result.unchanged}`,
  }));
  console.table(rows);
  const verdict = (ok: boolean | null) => (ok === null ? 'n/a (below 1M members)' : ok ? 'met' : 'MISSED');
  console.log(
    `best: job ${report.best.jobSeconds} s (target ≤ ${targets.seconds} s for 1M: ${verdict(report.meets.seconds)}), ` +
      `ratio ${report.best.ratio} (≥ ${targets.ratio}: ${verdict(report.meets.ratio)}), ` +
      `peak RSS ${report.best.peakRssMegabytes} MB (≤ ${targets.rssMegabytes} MB and flat: ${verdict(report.meets.rss)})`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(2);
  },
);
