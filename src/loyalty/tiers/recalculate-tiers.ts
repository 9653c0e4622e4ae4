import { randomBytes } from 'node:crypto';
import type { DateTime } from 'luxon';
import { newLeaseHolder, type MemberId } from '../../shared/ids';
import type { JobCheckpointRepository } from './job-checkpoint-repository';
import type { JobLeaseRepository } from './job-lease-repository';
import type { MemberTierRepository, MemberTierState, TierMove } from './member-tier-repository';
import type { TierChange, TierHistoryRepository } from './tier-history-repository';
import { tierNoticeOf } from './tier-notices';
import { tierDecider } from './tier-policy';
import type { TierRules } from './tier-rules';
import type { TierRulesRepository } from './tier-rules-repository';

export const tierRecalculationJob = 'tier-recalculation';
const leaseId = `lease:${tierRecalculationJob}`;
/** Members per batch: one bulkWrite, one history insert and one checkpoint each. */
export const defaultTierBatchSize = 2000;

export interface RecalculationCounts {
  upgrades: number;
  downgrades: number;
  unchanged: number;
  /** Up to five member ids per change, keyed `from→to`. */
  samples: Record<string, MemberId[]>;
}

export interface RecalculationRun extends RecalculationCounts {
  runId: string;
  dryRun: boolean;
  /** True when this run finished one a crash or an error had left part done. */
  resumed: boolean;
  durationMs: number;
}

export type RecalculationResult =
  | ({ kind: 'completed' } & RecalculationRun)
  | { kind: 'leaseHeld'; owner: string; expiresAt: Date };

export interface RecalculationProgress {
  processed: number;
  total: number;
}

export interface RecalculationDeps {
  memberTiers: MemberTierRepository;
  tierHistory: TierHistoryRepository;
  tierRules: TierRulesRepository;
  jobLeases: JobLeaseRepository;
  jobCheckpoints: JobCheckpointRepository;
}

export interface RecalculationOptions {
  /** The decision time: loyalty months are read in `zone` (LOYALTY_TIMEZONE). */
  now: DateTime;
  zone: string;
  dryRun?: boolean;
  /** A draft rule set to try; only with `dryRun`, so unpublished rules never move members. */
  rules?: TierRules;
  /** Once the run holds the lease (a dry run takes none) and has counted its members; before any batch. */
  onStarted?: (progress: RecalculationProgress) => void | Promise<void>;
  onProgress?: (progress: RecalculationProgress) => void | Promise<void>;
  batchSize?: number;
  /** The lease lasts this long past each renewal; a crashed holder's lease lapses after it. */
  leaseMs?: number;
  /** Wall time for the lease; the clock every server shares. */
  leaseClock: () => Date;
  owner?: string;
}

interface Progress extends RecalculationCounts {
  processed: number;
}

/**
 * The nightly tier recalculation: one lean pass over members in `_id` order, a decision per
 * member, and per batch (2,000 members by default) the tier-history entries, the member moves (bulkWrite) and a
 * checkpoint. History first: a crash after it and before the checkpoint leaves entries that the
 * resumed run finds by `<runId>:<memberId>` and replays instead of deciding twice (deciding a
 * member already moved one tier down would move them again).
 */
export async function recalculateTiers(deps: RecalculationDeps, options: RecalculationOptions): Promise<RecalculationResult> {
  const started = performance.now();
  const dryRun = options.dryRun ?? false;
  if (options.rules !== undefined && !dryRun) {
    throw new Error('Draft tier rules can only be dry-run: publish them with PUT /admin/api/tier-rules first');
  }
  const rules = options.rules ?? (await deps.tierRules.current());
  const batchSize = options.batchSize ?? defaultTierBatchSize;
  const decideFor = tierDecider(rules, options.now, options.zone);
  const decide = (member: MemberTierState) => decideFor(member, member.tier);
  const ranks = new Map(rules.tiers.map((rule, index) => [rule.id, index]));
  const rank = (tier: string) => ranks.get(tier) ?? -1;

  if (dryRun) {
    const progress = emptyProgress();
    const total = await deps.memberTiers.count(null);
    await options.onStarted?.({ processed: 0, total });
    for await (const batch of deps.memberTiers.batches(null, batchSize)) {
      for (const member of batch) count(progress, member.memberId, member.tier, decide(member).tier, rank);
      await options.onProgress?.({ processed: progress.processed, total });
    }
    await options.onProgress?.({ processed: progress.processed, total });
    return completed(`dry-run-${options.now.toFormat('yyyyMMddHHmmss')}`, true, false, progress, started);
  }

  const owner = options.owner ?? newLeaseHolder();
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const lease = await deps.jobLeases.acquire(leaseId, owner, options.leaseClock(), leaseMs);
  if (lease.kind === 'held') return { kind: 'leaseHeld', owner: lease.owner, expiresAt: lease.expiresAt };
  try {
    const checkpoint = await deps.jobCheckpoints.find<Progress>(tierRecalculationJob);
    const runId = checkpoint?.runId ?? `${options.now.toFormat('yyyyMMdd')}-${randomBytes(4).toString('hex')}`;
    const startedAt = checkpoint?.startedAt ?? options.now.toJSDate();
    const progress = checkpoint?.progress ?? emptyProgress();
    const at = options.now.toJSDate();
    if (checkpoint === null) {
      await deps.jobCheckpoints.save(tierRecalculationJob, { runId, lastMemberId: null, progress, startedAt }, at);
    }
    const after = checkpoint?.lastMemberId ?? null;
    const total = progress.processed + (await deps.memberTiers.count(after));
    let renewedAt = options.leaseClock().getTime();
    await options.onStarted?.({ processed: progress.processed, total });

    const decideBatch = (batch: MemberTierState[], recorded: Map<string, TierChange> | null): DecidedBatch => {
      const changes: TierChange[] = [];
      const moves: TierMove[] = [];
      for (const member of batch) {
        const earlier = recorded?.get(member.memberId);
        if (earlier !== undefined) {
          count(progress, member.memberId, earlier.from, earlier.to, rank);
          moves.push({ memberId: member.memberId, from: earlier.from, to: earlier.to, notice: tierNoticeOf(earlier, rules) });
          continue;
        }
        const decision = decide(member);
        count(progress, member.memberId, member.tier, decision.tier, rank);
        if (decision.tier === member.tier) continue;
        const change: TierChange = { runId, memberId: member.memberId, from: member.tier, to: decision.tier, reason: decision.reason, qualifyingPoints: decision.qualifyingPoints, at };
        changes.push(change);
        moves.push({ memberId: member.memberId, from: member.tier, to: decision.tier, notice: tierNoticeOf(change, rules) });
      }
      // A copy: the next batch is decided while this one is written, and this batch's checkpoint
      // must hold the counts up to its own last member.
      return { changes, moves, lastMemberId: batch[batch.length - 1]!.memberId, progress: snapshotOf(progress) };
    };

    const write = async (decided: DecidedBatch) => {
      // Renewed well before it can lapse, not every batch: a lease renewed less than a third of
      // its term ago cannot have been taken over, and a round trip per batch adds up at 1M members.
      const leaseNow = options.leaseClock();
      if (leaseNow.getTime() - renewedAt >= leaseMs / 3) {
        if (!(await deps.jobLeases.renew(leaseId, owner, leaseNow, leaseMs))) {
          throw new Error(`The ${tierRecalculationJob} lease expired and another server took it; this run stops and that one resumes from the checkpoint`);
        }
        renewedAt = leaseNow.getTime();
      }
      await deps.tierHistory.record(decided.changes);
      await deps.memberTiers.move(decided.moves, at);
      await deps.jobCheckpoints.save(tierRecalculationJob, { runId, lastMemberId: decided.lastMemberId, progress: decided.progress, startedAt }, at);
      await options.onProgress?.({ processed: decided.progress.processed, total });
    };

    // Batch N+1 is read and decided while batch N is written; the writes themselves go one batch
    // at a time and in order (history, moves, checkpoint), so each checkpoint follows its own
    // batch's writes and a crash leaves at most one batch written past the checkpoint.
    let writing: Promise<void> = Promise.resolve();
    let replayRecorded = checkpoint !== null;
    try {
      for await (const batch of deps.memberTiers.batches(after, batchSize)) {
        // Only a resumed run's first batch can hold changes recorded and not yet checkpointed.
        const recorded = replayRecorded ? await deps.tierHistory.recordedIn(runId, batch.map((member) => member.memberId)) : null;
        replayRecorded = false;
        const decided = decideBatch(batch, recorded);
        await writing;
        writing = write(decided);
        // Handled here so a failure while the next batch is read is not an unhandled rejection;
        // the await above (or below) rethrows it.
        writing.catch(() => undefined);
      }
    } finally {
      await writing;
    }
    await deps.jobCheckpoints.remove(tierRecalculationJob, runId);
    return completed(runId, false, checkpoint !== null, progress, started);
  } finally {
    await deps.jobLeases.release(leaseId, owner);
  }
}

function emptyProgress(): Progress {
  return { processed: 0, upgrades: 0, downgrades: 0, unchanged: 0, samples: {} };
}

interface DecidedBatch {
  changes: TierChange[];
  moves: TierMove[];
  lastMemberId: MemberId;
  progress: Progress;
}

function snapshotOf(progress: Progress): Progress {
  const samples: Record<string, MemberId[]> = {};
  for (const key in progress.samples) samples[key] = [...progress.samples[key]!];
  return { ...progress, samples };
}

function count(progress: Progress, memberId: MemberId, from: string, to: string, rank: (tier: string) => number): void {
  progress.processed += 1;
  if (to === from) {
    progress.unchanged += 1;
    return;
  }
  if (rank(to) > rank(from)) progress.upgrades += 1;
  else progress.downgrades += 1;
  const samples = (progress.samples[`${from}→${to}`] ??= []);
  if (samples.length < 5) samples.push(memberId);
}

function completed(runId: string, dryRun: boolean, resumed: boolean, progress: Progress, started: number): RecalculationResult {
  const { processed: _, ...counts } = progress;
  return { kind: 'completed', runId, dryRun, resumed, ...counts, durationMs: Math.round(performance.now() - started) };
}
