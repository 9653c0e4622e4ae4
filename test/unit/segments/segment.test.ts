import { matchesSegment, type SegmentCandidate, type SegmentDefinition } from '../../../src/segments/segment';

const now = new Date('2026-11-23T02:00:00Z'); // 10:00 in Taipei
const today = '2026-11-23';
const amy: SegmentCandidate = {
  memberId: 'amy',
  tier: 'silver',
  points: 420,
  lastCheckInDay: '2026-11-17',
  lastChatAt: new Date('2026-11-20T02:00:00Z'),
  channels: ['line'],
  rfm: { recency: 4, frequency: 2, monetary: 5 },
};

describe('matchesSegment', () => {
  it.each<[string, SegmentDefinition, boolean]>([
    ['everyone', {}, true],
    ['her tier', { tiers: ['silver', 'gold'] }, true],
    ['another tier', { tiers: ['gold'] }, false],
    ['points in range (ends included)', { points: { min: 420, max: 420 } }, true],
    ['points below the minimum', { points: { min: 421 } }, false],
    ['checked in within 7 days (today and 6 before)', { lastCheckIn: { kind: 'within', days: 7 } }, true],
    ['checked in within 6 days', { lastCheckIn: { kind: 'within', days: 6 } }, false],
    ['not checked in for 6 days', { lastCheckIn: { kind: 'notWithin', days: 6 } }, true],
    ['chatted within 3 days (72 hours)', { chattedWithinDays: 3 }, false],
    ['chatted within 4 days', { chattedWithinDays: 4 }, true],
    ['on LINE or Messenger', { channels: ['messenger', 'line'] }, true],
    ['on Messenger', { channels: ['messenger'] }, false],
    ['high monetary', { rfm: { monetary: { min: 4, max: 5 } } }, true],
    ['high monetary but low frequency wanted high', { rfm: { monetary: { min: 4, max: 5 }, frequency: { min: 3, max: 5 } } }, false],
    ['all conditions together', { tiers: ['silver'], points: { min: 100 }, channels: ['line'], rfm: { recency: { min: 4, max: 5 } } }, true],
  ])('%s → %s', (_, definition, expected) => {
    expect(matchesSegment(definition, amy, today, now)).toBe(expected);
  });

  it('treats a member who never checked in as not checked in within any window', () => {
    const never = { ...amy, lastCheckInDay: null, lastChatAt: null };
    expect(matchesSegment({ lastCheckIn: { kind: 'notWithin', days: 30 } }, never, today, now)).toBe(true);
    expect(matchesSegment({ lastCheckIn: { kind: 'within', days: 30 } }, never, today, now)).toBe(false);
    expect(matchesSegment({ chattedWithinDays: 30 }, never, today, now)).toBe(false);
  });
});
