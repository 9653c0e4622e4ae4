import { DateTime } from 'luxon';
import {
  createRanking,
  displayNameOf,
  leaderboardLines,
  leaderboardMonthOf,
  maskName,
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

describe('displayNameOf', () => {
  it.each([
    [{ kind: 'masked' } as const, '王*明'],
    [{ kind: 'nickname', nickname: '咖啡控' } as const, '咖啡控'],
    [{ kind: 'hidden' } as const, '匿名會員'],
  ])('shows %j as %j', (display, shown) => {
    expect(displayNameOf({ name: '王小明', display }, '匿名會員')).toBe(shown);
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

describe('createRanking', () => {
  const rank = (asking: string, size: number, candidates: LeaderboardCandidate[]) => {
    const ranking = createRanking(id(asking), size);
    for (const each of candidates) ranking.add(each);
    return ranking.result();
  };

  it('keeps the top by points earned and gives the asking member their place among all ranked', () => {
    const board = rank('m5', 3, [candidate('m1', 10), candidate('m2', 50), candidate('m3', 30), candidate('m4', 40), candidate('m5', 20)]);
    expect(board.top.map((row) => [row.rank, row.memberId, row.earned])).toEqual([
      [1, 'm2', 50],
      [2, 'm4', 40],
      [3, 'm3', 30],
    ]);
    expect(board.own).toEqual({ rank: 4, earned: 20 });
    expect(board.ranked).toBe(5);
  });

  it('gives equal points an equal place (1, 2, 2, 4) and orders ties by member id', () => {
    const board = rank('m9', 10, [candidate('m9', 30), candidate('m1', 50), candidate('m3', 30), candidate('m4', 10)]);
    expect(board.top.map((row) => `${row.rank}:${row.memberId}`)).toEqual(['1:m1', '2:m3', '2:m9', '4:m4']);
    expect(board.own).toEqual({ rank: 2, earned: 30 });
  });

  it('neither lists nor counts members who earned nothing this month', () => {
    const board = rank('m2', 10, [candidate('m1', 10), candidate('m2', 0)]);
    expect(board).toEqual({ top: [expect.objectContaining({ memberId: 'm1' })], ranked: 1, own: null });
  });

  it('has an empty board when nobody earned anything', () => {
    expect(rank('m1', 10, [])).toEqual({ top: [], ranked: 0, own: null });
  });
});

describe('leaderboardLines', () => {
  it('numbers the rows, marks the asking member and formats points for the locale', () => {
    const board = rank2();
    expect(leaderboardLines(board, id('m2'), 'zh-TW')).toEqual(['1. 王*明 1,200 點', '👉 2. 咖啡控 300 點', '3. 匿名會員 20 點']);
    expect(leaderboardLines(board, id('m2'), 'en')).toEqual(['1. 王*明 1,200 pts', '👉 2. 咖啡控 300 pts', '3. A member 20 pts']);
  });

  function rank2() {
    const ranking = createRanking(id('m2'), 10);
    ranking.add({ memberId: id('m1'), name: '王小明', earned: 1200, display: { kind: 'masked' } });
    ranking.add({ memberId: id('m2'), name: 'Amy', earned: 300, display: { kind: 'nickname', nickname: '咖啡控' } });
    ranking.add({ memberId: id('m3'), name: 'Bob', earned: 20, display: { kind: 'hidden' } });
    return ranking.result();
  }
});
