import fc from 'fast-check';
import { DateTime } from 'luxon';
import { zoneNamed } from '../../../src/shared/zones';

// Zones with daylight saving, half-hour and 45-minute offsets, a 30-minute DST shift, and offsets changed in history.
const zoneNames = ['Asia/Taipei', 'America/St_Johns', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Sao_Paulo', 'Pacific/Chatham', 'Europe/Moscow'];

/** Everything the loyalty rules read from a DateTime in a zone. */
function readings(instant: DateTime) {
  return {
    iso: instant.toISO(),
    offset: instant.offset,
    day: instant.toISODate(),
    startOfDay: instant.startOf('day').toMillis(),
    endOfMonth: instant.endOf('month').toMillis(),
    nextDay: instant.plus({ days: 1 }).toISO(),
    monthEarlier: instant.minus({ months: 1 }).startOf('month').toISO(),
    local: instant.toFormat('yyyy-MM-dd HH:mm ZZZZ'),
  };
}

describe('zoneNamed', () => {
  it('gives every instant the same local time, day and month arithmetic as luxon with the zone name', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zoneNames), fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (name, millis) => {
        const instant = DateTime.fromMillis(millis);
        expect(readings(instant.setZone(zoneNamed(name)))).toEqual(readings(instant.setZone(name)));
      }),
      { numRuns: 3000 },
    );
  });

  it('is exact minute by minute across daylight-saving changes, also those in the middle of a UTC hour', () => {
    const changes = [
      ['America/New_York', '2026-03-08T07:00:00Z'],
      ['America/New_York', '2026-11-01T06:00:00Z'],
      ['Europe/London', '2026-03-29T01:00:00Z'],
      // At 02:00 in zones half an hour off the hour: the UTC hour around them holds two offsets.
      ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
      ['America/St_Johns', '2026-03-08T05:30:00Z'],
    ] as const;
    for (const [name, at] of changes) {
      const change = DateTime.fromISO(at).toMillis();
      for (let minutes = -90; minutes <= 90; minutes += 1) {
        const instant = DateTime.fromMillis(change + minutes * 60_000 - 1);
        expect(readings(instant.setZone(zoneNamed(name)))).toEqual(readings(instant.setZone(name)));
      }
    }
  });

  it('is the same zone as the name to luxon, and shared by every caller', () => {
    const instant = DateTime.fromISO('2026-11-24T10:00:00Z');
    expect(instant.setZone(zoneNamed('Asia/Taipei')).hasSame(instant.setZone('Asia/Taipei'), 'day')).toBe(true);
    expect(instant.setZone(zoneNamed('Asia/Taipei')).equals(instant.setZone('Asia/Taipei'))).toBe(true);
    expect(instant.setZone('Asia/Taipei').equals(instant.setZone(zoneNamed('Asia/Taipei')))).toBe(true);
    expect(instant.setZone(zoneNamed('Asia/Taipei')).zoneName).toBe('Asia/Taipei');
    expect(zoneNamed('Asia/Taipei')).toBe(zoneNamed('Asia/Taipei'));
  });

  it('leaves names that are not IANA zones to luxon', () => {
    const instant = DateTime.fromISO('2026-11-24T10:00:00Z');
    expect(zoneNamed('UTC')).toBe('UTC');
    expect(instant.setZone(zoneNamed('UTC+8')).toISO()).toBe('2026-11-24T18:00:00.000+08:00');
    expect(instant.setZone(zoneNamed('Not/AZone')).isValid).toBe(false);
  });
});
