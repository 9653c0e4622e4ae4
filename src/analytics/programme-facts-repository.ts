import type { Connection } from 'mongoose';
import type { ChannelName } from '../channels/channel';
import type { StopReason } from '../broadcasts/broadcast';
import { mayReceiveMarketing, type Consent } from '../loyalty/members/member';
import type { LedgerDayRow, RedemptionDayRow, TierChangeFact } from './daily-stats';

/** A member as the dashboard, segments and broadcasts read them: one projection, streamed. */
export interface MemberProfile {
  memberId: string;
  name: string;
  locale: string | null;
  tier: string;
  points: number;
  createdAt: Date;
  lastCheckInDay: string | null;
  identities: { channel: ChannelName; channelUserId: string }[];
  /** Seeded demo members (DEMO_DATA): shown in figures, never messaged. */
  demo: boolean;
  /** Staff test members (a flag another part of the platform sets): left out of figures and segments. */
  sandbox: boolean;
  /** False once the member's latest marketing consent is a withdrawal: left out of segments, so no broadcast reaches them. */
  mayReceiveMarketing: boolean;
}

interface MemberRow {
  _id: string;
  name?: string;
  locale?: string | null;
  tier?: string;
  points?: number;
  createdAt?: Date;
  checkIn?: { lastDay?: string | null };
  identities?: { channel: ChannelName; channelUserId: string }[];
  demo?: boolean;
  sandbox?: boolean;
  consents?: { kind?: Consent['kind']; status?: Consent['status'] }[];
}

/**
 * Read-only passes over collections other features own (members, identities, ledger,
 * redemptions, tier history). Each method is one streaming pass or one `$group` aggregation, so a
 * request costs at most one scan per collection (DATABASE.md: no secondary index is real).
 */
export function createProgrammeFactsRepository(connection: Connection) {
  const collection = (name: string) => connection.collection(name);

  return {
    /** Owns no model: it reads the collections of other repositories. */
    models: [],

    /**
     * Why each of these members may no longer get promotions, for a broadcast already under way: `stoppedPromotions`
     * (their latest marketing consent is a withdrawal), `erased` (erased, being erased, or gone); absent when they may.
     * One read by _id.
     */
    async marketingStops(memberIds: string[]): Promise<Map<string, StopReason>> {
      const rows = await collection('members')
        .find<Pick<MemberRow, '_id' | 'consents'> & { deleted?: boolean; erasingSince?: Date }>(
          { _id: { $in: memberIds as never[] } },
          { projection: { 'consents.kind': 1, 'consents.status': 1, deleted: 1, erasingSince: 1 } },
        )
        .toArray();
      const found = new Map(rows.map((row) => [row._id, row]));
      const stops = new Map<string, StopReason>();
      for (const id of memberIds) {
        const row = found.get(id);
        if (row === undefined || row.deleted === true || row.erasingSince !== undefined) stops.set(id, 'erased');
        else if (!mayReceiveMarketing(row.consents ?? [])) stops.set(id, 'stoppedPromotions');
      }
      return stops;
    },

    async *streamMembers(): AsyncGenerator<MemberProfile> {
      const cursor = collection('members').find<MemberRow>(
        {},
        {
          projection: { name: 1, locale: 1, tier: 1, points: 1, createdAt: 1, 'checkIn.lastDay': 1, identities: 1, demo: 1, sandbox: 1, 'consents.kind': 1, 'consents.status': 1 },
          batchSize: 1000,
        },
      );
      for await (const row of cursor) {
        yield {
          memberId: row._id,
          name: row.name ?? '',
          locale: row.locale ?? null,
          tier: row.tier ?? 'member',
          points: row.points ?? 0,
          createdAt: row.createdAt ?? new Date(0),
          lastCheckInDay: row.checkIn?.lastDay ?? null,
          identities: row.identities ?? [],
          demo: row.demo === true,
          sandbox: row.sandbox === true,
          mayReceiveMarketing: mayReceiveMarketing(row.consents ?? []),
        };
      }
    },

    /** Each member's latest inbound message on any channel. */
    async lastInboundByMember(): Promise<Map<string, Date>> {
      const rows = await collection('identities')
        .aggregate<{ _id: string; at: Date | null }>([
          { $match: { memberId: { $ne: null }, lastInboundAt: { $ne: null } } },
          { $group: { _id: '$memberId', at: { $max: '$lastInboundAt' } } },
        ])
        .toArray();
      return new Map(rows.filter((row) => row.at !== null).map((row) => [row._id, row.at!]));
    },

    /** Each linked channel identity's latest inbound message and whether it still follows, by key (`<channel>:<id>`). */
    async identityStates(): Promise<Map<string, { lastInboundAt: Date | null; following: boolean }>> {
      const cursor = collection('identities').find<{ _id: string; lastInboundAt?: Date | null; following?: boolean }>(
        { memberId: { $ne: null } },
        { projection: { lastInboundAt: 1, following: 1 }, batchSize: 1000 },
      );
      const result = new Map<string, { lastInboundAt: Date | null; following: boolean }>();
      for await (const row of cursor) result.set(row._id, { lastInboundAt: row.lastInboundAt ?? null, following: row.following !== false });
      return result;
    },

    /**
     * Applied ledger entries since `since`, summed per member, loyalty day, kind and reason. A
     * streamed pass grouped here: the embedded server's `$dateToString` with a timezone costs about
     * a millisecond per entry, far more than Intl in the app.
     */
    async ledgerByDay(since: Date, zone: string): Promise<LedgerDayRow[]> {
      const cursor = collection('ledger').find<{ memberId: string; kind: LedgerDayRow['kind']; reason: string; points: number; createdAt: Date }>(
        { status: 'applied', createdAt: { $gte: since } },
        { projection: { _id: 0, memberId: 1, kind: 1, reason: 1, points: 1, createdAt: 1 }, batchSize: 2000 },
      );
      const rows = new Map<string, LedgerDayRow>();
      for await (const entry of cursor) {
        const day = dayIn(entry.createdAt, zone);
        const key = `${entry.memberId}|${day}|${entry.kind}|${entry.reason}`;
        const row = rows.get(key);
        if (row) {
          row.points += entry.points;
          row.entries += 1;
        } else {
          rows.set(key, { memberId: entry.memberId, day, kind: entry.kind, reason: entry.reason, points: entry.points, entries: 1 });
        }
      }
      return [...rows.values()];
    },

    async redemptionsByDay(since: Date, zone: string): Promise<RedemptionDayRow[]> {
      const rows = await collection('redemptions')
        .find<{ memberId: string; rewardId: string; redeemedAt: Date }>(
          { redeemedAt: { $gte: since } },
          { projection: { memberId: 1, rewardId: 1, redeemedAt: 1 }, batchSize: 1000 },
        )
        .toArray();
      return rows.map((row) => ({ memberId: row.memberId, rewardId: row.rewardId, day: dayIn(row.redeemedAt, zone) }));
    },

    /**
     * The tier changes made since `since`: a day's tier mix is today's tiers rolled back through the changes after
     * that day, so earlier changes (a night's recalculation can move a tenth of the members) are never needed.
     */
    async tierChanges(since: Date, zone: string): Promise<TierChangeFact[]> {
      const rows = await collection('tier_history')
        .find<{ memberId: string; at: Date; from: string; to: string }>({ at: { $gte: since } }, { projection: { memberId: 1, at: 1, from: 1, to: 1 }, batchSize: 1000 })
        .toArray();
      return rows.map((row) => ({ memberId: row.memberId, at: row.at, day: dayIn(row.at, zone), from: row.from, to: row.to }));
    },
  };
}

export type ProgrammeFactsRepository = ReturnType<typeof createProgrammeFactsRepository>;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The loyalty day of an instant; Intl instead of luxon because it runs once per row of a scan. */
export function dayIn(at: Date, zone: string): string {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(zone, formatter);
  }
  return formatter.format(at);
}
