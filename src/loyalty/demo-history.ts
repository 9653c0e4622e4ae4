import { DateTime } from 'luxon';
import { recordDailyStats, type DashboardDeps } from '../analytics/dashboard';
import type { ChannelName } from '../channels/channel';
import { balanceOf, expiryOf, planExpiry, planSpend, type Draw, type Lot } from './points/ledger';
import type { ProgrammeRules } from './programme';
import { sampleRewards } from './demo-data';
import type { DemoHistoryRepository } from './demo-history-repository';
import { defaultTiers } from './demo-data';
import { zoneNamed } from '../shared/zones';

/** Seeded demo members: ids, names and channel ids say they are fake; broadcasts never message them. */
export const demoMemberCount = 200;
export const demoHistoryDays = 35;
const demoMemberId = (index: number) => `demo-member-${String(index).padStart(3, '0')}`;

export interface DemoHistory {
  members: (Record<string, unknown> & { id: string })[];
  identities: (Record<string, unknown> & { key: string })[];
  ledger: (Record<string, unknown> & { key: string })[];
  redemptions: (Record<string, unknown> & { id: string })[];
  tierChanges: { runId: string; memberId: string; from: string; to: string; reason: string; qualifyingPoints: number; at: Date }[];
  stockTaken: Map<string, number>;
}

export type DemoHistorySeed = { kind: 'alreadySeeded' } | { kind: 'seeded'; members: number; ledgerEntries: number; daysStored: number; ms: number };

/** A small deterministic generator (mulberry32), so the same day seeds the same programme. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Five weeks of a believable programme ending yesterday: members joining, checking in on most
 * days (some lapse), collecting codes, redeeming coffee and vouchers, older points expiring and a
 * few members moving up a tier. Balances, lots and earned buckets are computed with the ledger's
 * own rules (FIFO spending, expiry), so the ledger invariant holds for demo members too.
 */
export function simulateDemoHistory(now: DateTime, rules: Pick<ProgrammeRules, 'zone' | 'checkIn' | 'earning' | 'signupBonus'>): DemoHistory {
  const zone = rules.zone;
  const today = now.setZone(zoneNamed(zone)).startOf('day');
  const random = randomFrom(Number(today.toFormat('yyyyMMdd')));
  const coffee = sampleRewards.find((reward) => reward.id === 'coffee')!;
  const voucher = sampleRewards.find((reward) => reward.id === 'voucher-200')!;
  const silver = defaultTiers.find((tier) => tier.id === 'silver')!;
  const history: DemoHistory = { members: [], identities: [], ledger: [], redemptions: [], tierChanges: [], stockTaken: new Map() };
  // Luxon zone arithmetic is slow in a loop of thousands: each calendar day is worked out once.
  const calendar = new Map<number, { start: number; key: string; month: string; expiresAt: Date | null }>();
  const dayAgo = (daysAgo: number) => {
    let day = calendar.get(daysAgo);
    if (day === undefined) {
      const start = today.minus({ days: daysAgo });
      day = { start: start.toMillis(), key: start.toISODate()!, month: start.toFormat('yyyy-MM'), expiresAt: expiryOf(rules.earning.expiry, start, zone) };
      calendar.set(daysAgo, day);
    }
    return day;
  };
  const hour = 3_600_000;

  for (let index = 0; index < demoMemberCount; index += 1) {
    const memberId = demoMemberId(index);
    // 40 % joined before the five weeks, the rest during them: a growing programme.
    const joinedDaysAgo = index < demoMemberCount * 0.4 ? demoHistoryDays + 5 + Math.floor(random() * 60) : 1 + Math.floor(random() * (demoHistoryDays - 1));
    const joinedDay = dayAgo(joinedDaysAgo);
    const joined = joinedDay.start + (9 + random() * 12) * hour;
    const checkInChance = 0.6 + random() * 0.38;
    const lapsesAfter = random() < 0.12 ? Math.floor(random() * demoHistoryDays) : Number.POSITIVE_INFINITY;
    const ledgerBefore = history.ledger.length;
    let lots: Lot[] = [];
    let earnedTotal = 0;
    const earnedByMonth: Record<string, number> = {};
    let streak = 0;
    let lastDay: string | null = null;
    let lastActive = joined;
    let tier = 'member';

    const earn = (key: string, daysAgo: number, at: number, points: number, reason: string, note: string | null, expiresAt = dayAgo(daysAgo).expiresAt) => {
      const month = dayAgo(daysAgo).month;
      history.ledger.push({ key, memberId, kind: 'earn', points, reason, note, createdAt: new Date(at), expiresAt, qualifyingMonth: month, draws: [] });
      lots.push({ key, points, remaining: points, earnedAt: new Date(at), expiresAt });
      earnedTotal += points;
      earnedByMonth[month] = (earnedByMonth[month] ?? 0) + points;
    };
    const spend = (key: string, at: number, points: number, reason: string, note: string): Draw[] | null => {
      const plan = planSpend(lots, points, DateTime.fromMillis(at));
      if (plan.kind !== 'ok') return null;
      lots = plan.lotsAfter;
      history.ledger.push({ key, memberId, kind: 'spend', points: -points, reason, note, createdAt: new Date(at), expiresAt: null, qualifyingMonth: null, draws: plan.draws });
      return plan.draws;
    };
    const expireDue = (at: number) => {
      const due = planExpiry(lots, DateTime.fromMillis(at));
      for (const draw of due.draws) {
        history.ledger.push({ key: `expire:${draw.lot}`, memberId, kind: 'expire', points: -draw.points, reason: 'expiry', note: null, createdAt: new Date(at), expiresAt: null, qualifyingMonth: null, draws: [draw] });
      }
      lots = due.lotsAfter;
    };

    earn(`signup:${memberId}`, joinedDaysAgo, joined, rules.signupBonus, 'signupBonus', null);
    if (joinedDaysAgo > demoHistoryDays) {
      // A code collected long ago under a short promotion: it expires during the five weeks unless spent.
      const expiresAt = new Date(dayAgo(demoHistoryDays - 3 - Math.floor(random() * (demoHistoryDays - 6))).start + 24 * hour - 1);
      earn(`demo-code:${memberId}:old`, joinedDaysAgo - 1, joined + 24 * hour, 40 + 10 * Math.floor(random() * 6), 'pointCode', 'Autumn promotion', expiresAt);
    }

    for (let offset = Math.min(joinedDaysAgo, demoHistoryDays); offset >= 1; offset -= 1) {
      const day = dayAgo(offset);
      const dayKey = day.key;
      expireDue(day.start + 3.5 * hour);
      if (demoHistoryDays - offset > lapsesAfter) continue;
      if (offset === joinedDaysAgo) continue; // the signup day itself
      if (random() < checkInChance) {
        const at = day.start + (7 + random() * 15) * hour;
        const yesterday = dayAgo(offset + 1).key;
        streak = lastDay === yesterday ? streak + 1 : 1;
        const bonus = streak % rules.checkIn.streakDays === 0 ? rules.checkIn.streakBonus : 0;
        earn(`checkin:${memberId}:${dayKey}`, offset, at, rules.checkIn.points + bonus, 'checkin', bonus > 0 ? `${streak}-day streak` : null);
        lastDay = dayKey;
        lastActive = at;
      }
      if (random() < 0.04) {
        const at = day.start + (12 + random() * 8) * hour;
        earn(`demo-code:${memberId}:${dayKey}`, offset, at, 30, 'pointCode', 'In-store purchase');
        lastActive = at;
      }
      const balance = balanceOf(lots);
      const wantsVoucher = tier !== 'member' && balance >= voucher.cost && random() < 0.25;
      if (wantsVoucher || (balance >= coffee.cost && random() < 0.07)) {
        const reward = wantsVoucher ? voucher : coffee;
        const at = day.start + (10 + random() * 10) * hour;
        const id = `DEMO${String(index).padStart(3, '0')}${dayKey.replaceAll('-', '')}`;
        if (spend(`redemption:${id}`, at, reward.cost, 'redemption', reward.name['zh-TW']) !== null) {
          history.redemptions.push({
            id,
            key: `redeem:${memberId}:demo-${dayKey}`,
            memberId,
            rewardId: reward.id,
            rewardName: reward.name,
            note: reward.name['zh-TW'],
            cost: reward.cost,
            takesStock: reward.stock !== null,
            perMemberLimit: reward.perMemberLimit,
            usesCouponPool: false,
            couponCode: null,
            status: 'fulfilled',
            failure: null,
            shortBy: null,
            balanceAfter: balanceOf(lots),
            createdAt: new Date(at),
            updatedAt: new Date(at + 300_000),
            redeemedAt: new Date(at),
            holdUntil: null,
            fulfilledAt: new Date(at + 300_000),
            cancelledAt: null,
            releasedAt: null,
            handledBy: 'demo',
          });
          if (reward.stock !== null) history.stockTaken.set(reward.id, (history.stockTaken.get(reward.id) ?? 0) + 1);
          lastActive = at;
        }
      }
      if (tier === 'member' && earnedTotal >= silver.threshold) {
        // The nightly tier job moves them at 03:00 the next morning.
        history.tierChanges.push({ runId: `demo-${dayKey}`, memberId, from: 'member', to: silver.id, reason: 'upgrade', qualifyingPoints: earnedTotal, at: new Date(dayAgo(offset - 1).start + 3 * hour) });
        tier = silver.id;
      }
    }

    const channels: ChannelName[] = index % 7 === 0 ? ['line', 'messenger'] : index % 4 === 1 ? ['messenger'] : index % 9 === 2 ? ['web'] : ['line'];
    const identities = channels.map((channel) => ({ channel, channelUserId: `demo-${channel}-${String(index).padStart(3, '0')}` }));
    for (const identity of identities) {
      history.identities.push({
        key: `${identity.channel}:${identity.channelUserId}`,
        ...identity,
        memberId,
        locale: index % 5 === 0 ? 'en' : 'zh-TW',
        following: true,
        lastInboundAt: new Date(lastActive),
        createdAt: new Date(joined),
      });
    }
    history.members.push({
      id: memberId,
      signupKey: `demo:${memberId}`,
      name: `Demo member ${String(index).padStart(3, '0')} (fake)`,
      mobile: `0900${String(index).padStart(6, '0')}`,
      birthday: null,
      locale: index % 5 === 0 ? 'en' : 'zh-TW',
      tier,
      points: balanceOf(lots),
      earnedTotal,
      checkIn: { streak, lastDay },
      consents: [],
      identities,
      lots,
      earnedByMonth,
      appliedEntries: [],
      notices: [],
      noticeKeys: [],
      revision: history.ledger.length - ledgerBefore,
      createdAt: new Date(joined),
      demo: true,
    });
  }
  return history;
}

/** DEMO_DATA: seeds the demo history once per database, then stores its finished days' figures. */
export async function seedDemoHistory(
  deps: DashboardDeps & { demoHistory: DemoHistoryRepository },
  options: { now: DateTime; zone: string; rules: Pick<ProgrammeRules, 'zone' | 'checkIn' | 'earning' | 'signupBonus'> },
): Promise<DemoHistorySeed> {
  const startedAt = performance.now();
  if (await deps.demoHistory.isSeeded(demoMemberId(demoMemberCount - 1))) return { kind: 'alreadySeeded' };
  const history = simulateDemoHistory(options.now, options.rules);
  await deps.demoHistory.insert(history);
  const { stored } = await recordDailyStats(deps, options.now, options.zone);
  return { kind: 'seeded', members: history.members.length, ledgerEntries: history.ledger.length, daysStored: stored, ms: Math.round(performance.now() - startedAt) };
}
