import { IANAZone, Zone, type ZoneOffsetFormat, type ZoneOffsetOptions } from 'luxon';

const hourMs = 3_600_000;
const maxCachedHours = 50_000;

/**
 * A time zone that remembers its offset hour by hour. Luxon asks an IANA zone for its offset through
 * `Intl.DateTimeFormat#formatToParts` every time a DateTime is moved into it or rounded to a day or month in it,
 * which was the largest single cost of our own code in the webhook's CPU profile (docs/benchmark.md). An hour whose
 * first and last millisecond have the same offset has that offset throughout: no zone changes its offset twice
 * within an hour. An hour with a change in it is not cached.
 */
class OffsetCachingZone extends Zone {
  private readonly offsetsByHour = new Map<number, number>();

  constructor(private readonly iana: IANAZone) {
    super();
  }

  override get type(): string {
    return this.iana.type;
  }

  override get name(): string {
    return this.iana.name;
  }

  get ianaName(): string {
    return this.iana.name;
  }

  override get isUniversal(): boolean {
    return false;
  }

  override get isValid(): boolean {
    return this.iana.isValid;
  }

  override offsetName(ts: number, options: ZoneOffsetOptions): string | null {
    return this.iana.offsetName(ts, options);
  }

  override formatOffset(ts: number, format: ZoneOffsetFormat): string {
    return this.iana.formatOffset(ts, format);
  }

  override offset(ts: number): number {
    const hour = Math.floor(ts / hourMs);
    let cached = this.offsetsByHour.get(hour);
    if (cached === undefined) {
      const atStart = this.iana.offset(hour * hourMs);
      cached = atStart === this.iana.offset(hour * hourMs + hourMs - 1) ? atStart : Number.NaN;
      if (this.offsetsByHour.size >= maxCachedHours) this.offsetsByHour.clear();
      this.offsetsByHour.set(hour, cached);
    }
    return Number.isNaN(cached) ? this.iana.offset(ts) : cached;
  }

  override equals(other: Zone): boolean {
    return other.type === 'iana' && other.name === this.name;
  }
}

const zones = new Map<string, Zone | string>();

/**
 * The zone to move DateTimes into for a zone name (`DateTime#setZone` takes either): for an IANA name like the
 * programme's `Asia/Taipei`, one shared zone that caches its offsets; anything else (UTC, a fixed offset) as luxon
 * reads the name.
 */
export function zoneNamed(name: string): Zone | string {
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = IANAZone.isValidZone(name) && !/^(utc|gmt|system|local|default)$/i.test(name) ? new OffsetCachingZone(IANAZone.create(name)) : name;
    zones.set(name, zone);
  }
  return zone;
}
