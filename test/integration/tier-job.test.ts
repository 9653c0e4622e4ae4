import { DateTime } from 'luxon';
import { decideTier } from '../../src/loyalty/tiers/tier-policy';
import { defaultTierRules, type DowngradeMode, type TierRules } from '../../src/loyalty/tiers/tier-rules';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { seedTierMembers } from '../support/tier-members';

const now = '2026-11-23T10:00:00+08:00';
let platform: TestPlatform;
beforeEach(async () => {
  platform = await startTestPlatform({ LOYALTY_TIMEZONE: 'Asia/Taipei' }, now);
});
afterEach(() => platform.close());

/** 200 members in five kinds of 40 (test/support/tier-members.ts): some move up, some down, some stay. */
const seedMembers = (count = 200) => seedTierMembers(platform, now, { count, idPrefix: 'tier' });

const rulesWith = (mode: DowngradeMode, graceDays = 0): TierRules => ({ ...defaultTierRules, downgrade: { mode, graceDays } });

async function tiersByMember(): Promise<Record<string, string>> {
  const docs = await platform.repositories.members.model.collection.find({}, { projection: { tier: 1 } }).toArray();
  return Object.fromEntries(docs.map((doc) => [String(doc._id), doc.tier as string]));
}

async function tierCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const tier of Object.values(await tiersByMember())) counts[tier] = (counts[tier] ?? 0) + 1;
  return counts;
}

describe('tier recalculation job', () => {
  it.each<[string, TierRules, { upgrades: number; downgrades: number; unchanged: number }, Record<string, number>]>([
    ['one tier at a time', rulesWith('oneTierAtATime'), { upgrades: 40, downgrades: 120, unchanged: 40 }, { gold: 40, silver: 160 }],
    ['straight to the qualified tier', rulesWith('toQualifiedTier'), { upgrades: 40, downgrades: 120, unchanged: 40 }, { gold: 40, silver: 80, member: 80 }],
    ['never', rulesWith('never'), { upgrades: 40, downgrades: 0, unchanged: 160 }, { gold: 160, silver: 40 }],
    ['one tier at a time with 30 grace days', rulesWith('oneTierAtATime', 30), { upgrades: 40, downgrades: 80, unchanged: 80 }, { gold: 80, silver: 120 }],
    ['straight down with 5 grace days', rulesWith('toQualifiedTier', 5), { upgrades: 40, downgrades: 120, unchanged: 40 }, { gold: 40, silver: 80, member: 80 }],
  ])('moves members by the published rules: %s', async (_, rules, counts, tiers) => {
    await seedMembers();
    await platform.repositories.tierRules.publish(rules, new Date());
    const result = await platform.jobs.recalculateTiers();
    expect(result).toMatchObject({ kind: 'completed', dryRun: false, resumed: false, ...counts });
    expect(await tierCounts()).toEqual(tiers);
    if (result.kind !== 'completed') throw new Error('expected a completed run');
    expect(await platform.repositories.tierHistory.countOfRun(result.runId)).toBe(counts.upgrades + counts.downgrades);
    expect(result.samples['member→gold']).toHaveLength(5);

    const upgraded = await platform.repositories.tierHistory.ofMember('tier-member-0000');
    expect(upgraded).toEqual([expect.objectContaining({ from: 'member', to: 'gold', reason: 'qualified', qualifyingPoints: 2500, runId: result.runId })]);
    const moved = await platform.repositories.memberTiers.tierOf('tier-member-0000');
    expect(moved).toEqual({ tier: 'gold', tierSince: DateTime.fromISO(now).toJSDate() });
    expect(await platform.repositories.jobCheckpoints.find('tier-recalculation')).toBeNull();
  });

  it('agrees with decideTier for every member', async () => {
    const members = await seedMembers(50);
    await platform.jobs.recalculateTiers();
    const tiers = await tiersByMember();
    for (const member of members) {
      const expected = decideTier(member, defaultTierRules, member.tier, DateTime.fromISO(now), 'Asia/Taipei').tier;
      expect([member._id, tiers[member._id]]).toEqual([member._id, expected]);
    }
  });

  it('lets only one of two concurrent runs do the work', async () => {
    await seedMembers();
    const [first, second] = await Promise.all([
      platform.jobs.recalculateTiers({ batchSize: 20 }),
      platform.jobs.recalculateTiers({ batchSize: 20 }),
    ]);
    const kinds = [first!.kind, second!.kind].sort();
    expect(kinds).toEqual(['completed', 'leaseHeld']);
    const done = [first!, second!].find((result) => result.kind === 'completed');
    expect(done).toMatchObject({ upgrades: 40, downgrades: 120 });
    expect(await platform.repositories.tierHistory.count()).toBe(160);
  });

  it('answers that the lease is held while another server holds it, and takes over once it expires', async () => {
    await seedMembers(10);
    const later = DateTime.fromISO(now).plus({ minutes: 1 }).toJSDate();
    await platform.repositories.jobLeases.acquire('lease:tier-recalculation', 'crashed-server', DateTime.fromISO(now).toJSDate(), 60_000);
    expect(await platform.jobs.recalculateTiers()).toMatchObject({ kind: 'leaseHeld', owner: 'crashed-server', expiresAt: later });

    platform.clock.set('2026-11-23T10:01:00+08:00');
    expect(await platform.jobs.recalculateTiers()).toMatchObject({ kind: 'completed', upgrades: 2, downgrades: 6 });
  });

  it('resumes an interrupted run after the last checkpointed member and ends as an uninterrupted run', async () => {
    await seedMembers();
    const progress: number[] = [];
    await expect(
      platform.jobs.recalculateTiers({
        batchSize: 50,
        onProgress: ({ processed }) => {
          progress.push(processed);
          if (processed === 50) throw new Error('the server died');
        },
      }),
    ).rejects.toThrow('the server died');
    const checkpoint = await platform.repositories.jobCheckpoints.find<{ processed: number }>('tier-recalculation');
    expect(checkpoint).toMatchObject({ lastMemberId: 'tier-member-0049', progress: { processed: 50 } });
    // The first batch is written: running it again would move its Golds down a second tier.
    expect((await platform.repositories.memberTiers.tierOf('tier-member-0002'))!.tier).toBe('silver');

    const resumed: number[] = [];
    const result = await platform.jobs.recalculateTiers({ batchSize: 50, onProgress: ({ processed, total }) => void resumed.push(processed, total) });
    expect(result).toMatchObject({ kind: 'completed', resumed: true, runId: checkpoint!.runId, upgrades: 40, downgrades: 120, unchanged: 40 });
    expect(resumed).toEqual([100, 200, 150, 200, 200, 200]);
    expect(await tierCounts()).toEqual({ gold: 40, silver: 160 });
    expect(await platform.repositories.tierHistory.countOfRun(checkpoint!.runId)).toBe(160);
    expect(await platform.repositories.jobCheckpoints.find('tier-recalculation')).toBeNull();
  });

  it('replays changes a crashed batch recorded but did not apply, instead of deciding them again', async () => {
    await seedMembers(10);
    const { tierHistory, jobCheckpoints } = platform.repositories;
    // A crash between the history write and the member moves of the first batch.
    await jobCheckpoints.save('tier-recalculation', { runId: 'crashed-run', lastMemberId: null, progress: { processed: 0, upgrades: 0, downgrades: 0, unchanged: 0, samples: {} }, startedAt: new Date() }, new Date());
    await tierHistory.record([
      { runId: 'crashed-run', memberId: 'tier-member-0002' as never, from: 'gold', to: 'silver', reason: 'downgraded', qualifyingPoints: 100, at: new Date() },
    ]);
    const result = await platform.jobs.recalculateTiers();
    expect(result).toMatchObject({ kind: 'completed', runId: 'crashed-run', resumed: true, upgrades: 2, downgrades: 6, unchanged: 2 });
    expect(await tierHistory.countOfRun('crashed-run')).toBe(8);
  });

  it('dry-runs a draft rule set without writing anything', async () => {
    await seedMembers();
    const before = await platform.repositories.members.model.collection.find({}).sort({ _id: 1 }).toArray();
    const result = await platform.jobs.recalculateTiers({ dryRun: true, rules: rulesWith('toQualifiedTier') });
    expect(result).toMatchObject({ kind: 'completed', dryRun: true, upgrades: 40, downgrades: 120, unchanged: 40 });
    if (result.kind !== 'completed') throw new Error('expected a completed run');
    expect(result.samples).toEqual({
      'member→gold': ['tier-member-0000', 'tier-member-0005', 'tier-member-0010', 'tier-member-0015', 'tier-member-0020'],
      'gold→member': ['tier-member-0002', 'tier-member-0004', 'tier-member-0007', 'tier-member-0009', 'tier-member-0012'],
      'gold→silver': ['tier-member-0003', 'tier-member-0008', 'tier-member-0013', 'tier-member-0018', 'tier-member-0023'],
    });
    expect(await platform.repositories.members.model.collection.find({}).sort({ _id: 1 }).toArray()).toEqual(before);
    expect(await platform.repositories.tierHistory.count()).toBe(0);
    expect(await platform.repositories.jobCheckpoints.model.countDocuments()).toBe(0);
    expect(await platform.repositories.jobLeases.model.countDocuments()).toBe(0);
  });

  it('refuses to apply draft rules without a dry run', async () => {
    await expect(platform.jobs.recalculateTiers({ rules: rulesWith('never') })).rejects.toThrow('can only be dry-run');
  });
});
