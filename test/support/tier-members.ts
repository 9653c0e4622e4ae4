import { DateTime } from 'luxon';
import type { TestPlatform } from './platform';

/**
 * Members in five kinds (index modulo 5), so that a tier recalculation under the default rules moves some up,
 * some down and leaves some: a member earning Gold, a Silver keeping Silver, a Gold far below (100 points), a
 * Gold at 450 (above Silver's retain) and a Gold with nothing earned who entered Gold 10 days before `now`.
 */
export async function seedTierMembers(platform: TestPlatform, now: string, options: { count: number; idPrefix: string }) {
  const tenDaysAgo = DateTime.fromISO(now).minus({ days: 10 }).toJSDate();
  const kinds: { tier: string; earnedByMonth: Record<string, number>; tierSince: Date | null }[] = [
    { tier: 'member', earnedByMonth: { '2026-11': 2500 }, tierSince: null },
    { tier: 'silver', earnedByMonth: { '2026-02': 300, '2026-10': 300 }, tierSince: null },
    { tier: 'gold', earnedByMonth: { '2026-11': 100 }, tierSince: null },
    { tier: 'gold', earnedByMonth: { '2025-12': 450, '2025-11': 5000 }, tierSince: null },
    { tier: 'gold', earnedByMonth: {}, tierSince: tenDaysAgo },
  ];
  const docs = Array.from({ length: options.count }, (_, index) => ({
    _id: `${options.idPrefix}-member-${String(index).padStart(4, '0')}`,
    signupKey: `web:${options.idPrefix}-${index}`,
    name: `Member ${index}`,
    mobile: '0912345678',
    points: 0,
    earnedTotal: 0,
    ...kinds[index % kinds.length]!,
  }));
  // lean: no casting, so `tierSince` (not in the Member schema) is stored as given.
  const members = platform.repositories.members.model;
  for (let start = 0; start < docs.length; start += 100) await members.insertMany(docs.slice(start, start + 100), { lean: true });
  return docs;
}
