import { DateTime } from 'luxon';
import {
  countsEvent,
  isComplete,
  isRunning,
  missionLines,
  progressBar,
  type Mission,
  type MissionId,
  type MissionProgress,
} from '../../../src/loyalty/missions/mission';

const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });

const december: Mission = {
  id: 'december-check-ins' as MissionId,
  name: { 'zh-TW': '十二月簽到挑戰', en: 'December check-ins' },
  startsAt: new Date('2026-12-01T00:00:00+08:00'),
  endsAt: new Date('2027-01-01T00:00:00+08:00'),
  goal: { kind: 'checkIns', target: 5 },
  rewardPoints: 50,
  active: true,
};

describe('isRunning', () => {
  it.each([
    ['2026-11-30T23:59:59+08:00', false],
    ['2026-12-01T00:00:00+08:00', true],
    // 16:00Z on 30 Nov is midnight of 1 Dec in Taipei
    ['2026-11-30T16:00:00Z', true],
    ['2026-12-31T23:59:59+08:00', true],
    ['2027-01-01T00:00:00+08:00', false],
  ])('given the December window, at %s it is running: %s', (now, running) => {
    expect(isRunning(december, at(now))).toBe(running);
  });

  it('is not running when the marketer paused it', () => {
    expect(isRunning({ ...december, active: false }, at('2026-12-10T12:00:00+08:00'))).toBe(false);
  });
});

describe('countsEvent', () => {
  it.each([
    ['checkIns', '2026-12-10T12:00:00+08:00', true],
    ['pointCodes', '2026-12-10T12:00:00+08:00', false],
    ['redemptions', '2026-12-10T12:00:00+08:00', false],
    ['checkIns', '2027-01-01T00:00:01+08:00', false],
  ] as const)('counts a %s event at %s: %s', (kind, now, counts) => {
    expect(countsEvent(december, kind, at(now))).toBe(counts);
  });
});

describe('isComplete', () => {
  it.each([
    [0, false],
    [4, false],
    [5, true],
    [6, true],
  ])('with %i of 5 counted, complete: %s', (count, complete) => {
    expect(isComplete(december, count)).toBe(complete);
  });
});

describe('progressBar', () => {
  it.each([
    [0, 5, '░░░░░ 0/5'],
    [3, 5, '▓▓▓░░ 3/5'],
    [5, 5, '▓▓▓▓▓ 5/5'],
    [7, 5, '▓▓▓▓▓ 5/5'],
    [1, 3, '▓░░░░ 1/3'],
    [2, 3, '▓▓▓░░ 2/3'],
    [9, 10, '▓▓▓▓░ 9/10'],
    [1, 1, '▓▓▓▓▓ 1/1'],
  ])('shows %i of %i as %j', (count, target, bar) => {
    expect(progressBar(count, target)).toBe(bar);
  });
});

describe('missionLines', () => {
  const codes: Mission = { ...december, id: 'codes' as MissionId, name: { 'zh-TW': '集點達人', en: 'Code collector' }, goal: { kind: 'pointCodes', target: 2 }, rewardPoints: 1200 };
  const progress = new Map<MissionId, MissionProgress>([[december.id, { missionId: december.id, count: 3, completedAt: null }], [codes.id, { missionId: codes.id, count: 2, completedAt: new Date() }]]);

  it('shows progress, the reward and the last day in the loyalty zone', () => {
    expect(missionLines([december, codes], progress, 'zh-TW', 'Asia/Taipei')).toEqual([
      '🎯 十二月簽到挑戰（簽到 5 天）\n▓▓▓░░ 3/5・完成送 50 點・12/31 截止',
      '✅ 集點達人（集點 2 次）\n▓▓▓▓▓ 2/2・已完成，獲得 1,200 點',
    ]);
    expect(missionLines([december, codes], progress, 'en', 'Asia/Taipei')).toEqual([
      '🎯 December check-ins (check in on 5 days)\n▓▓▓░░ 3/5 · 50 points when done · ends 12/31',
      '✅ Code collector (collect 2 point codes)\n▓▓▓▓▓ 2/2 · done, 1,200 points earned',
    ]);
  });

  it('counts a mission the member never touched as 0', () => {
    expect(missionLines([december], new Map(), 'en', 'Asia/Taipei')[0]).toContain('░░░░░ 0/5');
  });
});
