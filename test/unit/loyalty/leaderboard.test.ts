import { DateTime } from 'luxon';
import {
  createSnapshotBuilder,
  leaderboardLines,
  leaderboardMonthOf,
  maskName,
  placeIn,
  rankAmong,
  shownNameOf,
  snapshotTimeLabel,
  type LeaderboardCandidate,
} from '../../../src/loyalty/leaderboard/leaderboard';
import type { MemberId } from '../../../src/shared/ids';

const id = (text: string) => text as MemberId;
const candidate = (memberId: string, earned: number, name = 'Amy'): LeaderboardCandidate => ({
  memberId: id(memberId),
  name,
  earned,
  display: { kind: 'masked' },
});

describe('maskName', () => {
  it.each([
    ['王小明', '王*明'],
    ['王明', '王*'],
    ['歐陽小明', '歐**明'],
    ['Amy', 'A*y'],
    ['王', '*'],
    ['  ', ''],
    ['😀ab', '😀*b'],
  ])('masks %j as %j', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
});

describe('shownNameOf', () => {
  it.each([
    ['王小明', { kind: 'masked' } as const, '王*明'],
    ['王小明', { kind: 'nickname', nickname: '咖啡控' } as const, '咖啡控'],
    ['王小明', { kind: 'hidden' } as const, null],
    ['  ', { kind: 'masked' } as const, null],
  ])('shows %j chosen as %j as %j (null: anonymous)', (name, display, shown) => {
    expect(shownNameOf({ name, display })).toBe(shown);
  });
});

describe('leaderboardMonthOf', () => {
  it.each([
    // 16:00Z on 31 Oct is already 1 Nov in Taipei
    ['2026-10-31T16:00:00Z', '2026-11'],
    ['2026-10-31T15:59:59Z', '2026-10'],
    ['2026-12-31T23:59:59+08:00', '2026-12'],
    ['2028-02-29T12:00:00+08:00', '2028-02'],
  ])('given %s, ranks the bucket %s', (now, month) => {
    expect(leaderboardMonthOf(DateTime.fromISO(now, { setZone: true }), 'Asia/Taipei')).toBe(month);
  });
});

const month = '2030-01';
const takenAt = new Date('2030-01-15T06:20:00Z');

function snapshotOf(size: number, candidates: LeaderboardCandidate[]) {
  const builder = createSnapshotBuilder(size);
  for (const each of candidates) builder.add(each);
  return builder.result(month, takenAt);
}

describe('createSnapshotBuilder', () => {
  it('keeps the top by points earned and counts every ranked member by score, highest first', () => {
    const snapshot = snapshotOf(3, [candidate('m1', 10), candidate('m2', 50), candidate('m3', 30), candidate('m4', 40), candidate('m5', 20)]);
    expect(snapshot.top.map((row) => [row.rank, row.memberId, row.earned, row.shownName])).toEqual([
      [1, 'm2', 50, 'A*y'],
      [2, 'm4', 40, 'A*y'],
      [3, 'm3', 30, 'A*y'],
    ]);
    expect(snapshot.histogram).toEqual([
      { earned: 50, members: 1 },
      { earned: 40, members: 1 },
      { earned: 30, members: 1 },
      { earned: 20, members: 1 },
      { earned: 10, members: 1 },
    ]);
    expect(snapshot).toMatchObject({ month, takenAt, ranked: 5 });
  });

  it('gives equal points an equal place (1, 2, 2, 4), orders ties by member id and counts each score once', () => {
    const snapshot = snapshotOf(10, [candidate('m9', 30), candidate('m1', 50), candidate('m3', 30), candidate('m4', 10)]);
    expect(snapshot.top.map((row) => `${row.rank}:${row.memberId}`)).toEqual(['1:m1', '2:m3', '2:m9', '4:m4']);
    expect(snapshot.histogram).toEqual([
      { earned: 50, members: 1 },
      { earned: 30, members: 2 },
      { earned: 10, members: 1 },
    ]);
  });

  it('ranks members below the top exactly: many members, few distinct scores', () => {
    const candidates = Array.from({ length: 1000 }, (_, index) => candidate(`m${String(index).padStart(4, '0')}`, 100 - (index % 7) * 10));
    const snapshot = snapshotOf(10, candidates);
    expect(snapshot.histogram).toHaveLength(7);
    expect(snapshot.histogram.reduce((sum, score) => sum + score.members, 0)).toBe(1000);
    // 143 members have 100, 143 have 90: a member with 80 is behind 286 of them.
    expect(rankAmong(snapshot.histogram, 80)).toBe(287);
    expect(snapshot.top.every((row) => row.rank === 1)).toBe(true);
  });

  it('neither lists nor counts members who earned nothing this month', () => {
    const snapshot = snapshotOf(10, [candidate('m1', 10), candidate('m2', 0)]);
    expect(snapshot.top.map((row) => row.memberId)).toEqual(['m1']);
    expect(snapshot.ranked).toBe(1);
    expect(snapshot.histogram).toEqual([{ earned: 10, members: 1 }]);
  });

  it('has an empty board when nobody earned anything', () => {
    expect(snapshotOf(10, [])).toEqual({ month, takenAt, top: [], ranked: 0, histogram: [] });
  });
});

describe('rankAmong and placeIn', () => {
  const histogram = [
    { earned: 500, members: 2 },
    { earned: 300, members: 3 },
    { earned: 100, members: 5 },
  ];
  it.each([
    [600, 1],
    [500, 1],
    [499, 3],
    [300, 3],
    [100, 6],
    [1, 11],
  ])('ranks %i points at %i: 1 + the members with strictly more', (earned, rank) => {
    expect(rankAmong(histogram, earned)).toBe(rank);
  });

  it('places the asking member by their points now, among the members of the snapshot', () => {
    expect(placeIn({ histogram, ranked: 10 }, 300)).toEqual({ rank: 3, earned: 300, ranked: 10 });
    expect(placeIn({ histogram, ranked: 10 }, 0)).toBeNull();
    // First points after the snapshot: last place, and one more member than the snapshot counted.
    expect(placeIn({ histogram, ranked: 10 }, 10)).toEqual({ rank: 11, earned: 10, ranked: 11 });
    expect(placeIn({ histogram: [], ranked: 0 }, 10)).toEqual({ rank: 1, earned: 10, ranked: 1 });
  });
});

describe('snapshotTimeLabel', () => {
  it.each([
    ['2030-01-15T14:20:00+08:00', '2030-01-15T14:25:00+08:00', '14:20'],
    // 23:50 the evening before, in Taipei
    ['2030-01-14T15:50:00Z', '2030-01-15T00:05:00+08:00', '01/14 23:50'],
  ])('labels a snapshot taken %s, read %s, as %j', (taken, now, label) => {
    expect(snapshotTimeLabel(new Date(taken), DateTime.fromISO(now), 'Asia/Taipei')).toBe(label);
  });
});

describe('leaderboardLines', () => {
  it('numbers the rows, marks the asking member and formats points for the locale', () => {
    const snapshot = snapshotOf(10, [
      { memberId: id('m1'), name: '王小明', earned: 1200, display: { kind: 'masked' } },
      { memberId: id('m2'), name: 'Amy', earned: 300, display: { kind: 'nickname', nickname: '咖啡控' } },
      { memberId: id('m3'), name: 'Bob', earned: 20, display: { kind: 'hidden' } },
    ]);
    expect(leaderboardLines(snapshot.top, id('m2'), 'zh-TW')).toEqual(['1. 王*明 1,200 點', '👉 2. 咖啡控 300 點', '3. 匿名會員 20 點']);
    expect(leaderboardLines(snapshot.top, id('m2'), 'en')).toEqual(['1. 王*明 1,200 pts', '👉 2. 咖啡控 300 pts', '3. A member 20 pts']);
  });
});
