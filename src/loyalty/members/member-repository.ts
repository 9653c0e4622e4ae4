import { Schema, type Connection } from 'mongoose';
import { groupedFindById, groupedUpdateOne } from '../../database/grouped-calls';
import { driverCollectionOf, isDuplicateKeyError } from '../../database/mongo-connection';
import type { ChannelName } from '../../channels/channel';
import type { Locale } from '../../conversation/flow-schema';
import type { MemberId } from '../../shared/ids';
import { defaultLeaderboardSettings, type LeaderboardCandidate, type LeaderboardSettings } from '../leaderboard/leaderboard';
import type { Lot } from '../points/ledger';
import type { MemberTierState } from '../tiers/member-tier-repository';
import type { Consent, Member, WelcomeAmounts } from './member';

interface MemberDocument {
  _id: string;
  /** The channel identity that signed up: unique, so two signups of one person make one member. */
  signupKey: string;
  name: string;
  mobile: string;
  birthday: string | null;
  locale: Locale | null;
  tier: string;
  /** When the member entered `tier`: grace periods count from it. Signup is entering the first tier. */
  tierSince: Date | null;
  points: number;
  earnedTotal: number;
  checkIn: { streak: number; lastDay: string | null };
  consents: (Consent | LegacyConsent)[];
  identities: { channel: ChannelName; channelUserId: string }[];
  /** Earned points not yet spent or expired; their sum is `points`, always, in the same document. */
  lots: Lot[];
  /** Points earned per loyalty month (yyyy-MM → points), moved with the balance: what tiers qualify on. */
  earnedByMonth: Record<string, number>;
  /**
   * Keys of ledger entries on the balance but not yet marked applied in the ledger: the marker
   * that makes applying an entry idempotent. The ledger removes a key once the entry is marked.
   */
  appliedEntries: string[];
  /** Messages waiting for the member's next chat (expiry reminders, birthday wishes). */
  notices: Notice[];
  /** Keys of notices ever queued, so a job re-run never queues the same one twice. */
  noticeKeys: string[];
  /** Bumped by every balance change: compare-and-set keeps concurrent changes from overwriting each other. */
  revision: number;
  createdAt: Date;
  /** The chat flow run that made the member: its turn run again after a failure is the same signup, not a second one. */
  signupRunId?: string;
  /** For a member who joined in chat: what joining paid then, which the welcome recovery pays if the turn could not. */
  welcome?: WelcomeAmounts;
  /** When the welcome recovery found everything joining pays paid: it looks at the member no more. */
  welcomeSettledAt?: Date;
  /** How the member appears on the monthly leaderboard, or whether at all; absent means the default. */
  leaderboard?: LeaderboardSettings;
  /**
   * A member made by the admin preview (channel `preview`), not a customer. Set only when true, so
   * jobs and reports exclude sandbox members with `sandbox: { $ne: true }`.
   */
  sandbox?: boolean;
  /** Set when an erasure started and not finished: what the erasure recovery resumes. */
  erasingSince?: Date;
  /** A tombstone: the person was erased; the id stays so ledger and redemption aggregates still add up. */
  deleted?: boolean;
  deletedAt?: Date;
}

/** How consents were stored before they carried a status and a channel. */
interface LegacyConsent {
  document: 'terms' | 'privacy';
  version: string;
  acceptedAt: Date;
}

const memberSchema = new Schema<MemberDocument>(
  {
    _id: String,
    signupKey: { type: String, required: true, unique: true },
    name: String,
    mobile: String,
    birthday: { type: String, default: null },
    locale: { type: String, default: null },
    tier: String,
    tierSince: { type: Date, default: null },
    points: { type: Number, default: 0 },
    earnedTotal: { type: Number, default: 0 },
    checkIn: { streak: { type: Number, default: 0 }, lastDay: { type: String, default: null } },
    consents: [
      { _id: false, kind: String, version: String, status: String, at: Date, channel: String, document: String, acceptedAt: Date },
    ],
    identities: [{ _id: false, channel: String, channelUserId: String }],
    lots: [{ _id: false, key: String, points: Number, remaining: Number, earnedAt: Date, expiresAt: Date }],
    earnedByMonth: { type: Schema.Types.Mixed, default: {} },
    appliedEntries: { type: [String], default: [] },
    notices: { type: [{ _id: false, key: String, template: String, variables: Schema.Types.Mixed }], default: [] },
    noticeKeys: { type: [String], default: [] },
    revision: { type: Number, default: 0 },
    createdAt: Date,
    signupRunId: String,
    welcome: { type: new Schema({ signupBonus: Number, referralBonus: Number }, { _id: false }), default: undefined },
    welcomeSettledAt: { type: Date, default: undefined },
    leaderboard: { type: Schema.Types.Mixed, default: undefined },
    sandbox: { type: Boolean, default: undefined },
    erasingSince: { type: Date, default: undefined },
    deleted: { type: Boolean, default: undefined },
    deletedAt: { type: Date, default: undefined },
  },
  { collection: 'members', versionKey: false },
);
memberSchema.index({ mobile: 1 });
// The welcome recovery's scan of recent signups; ignored by the embedded server, used by MongoDB.
memberSchema.index({ createdAt: 1 });

/**
 * A safety bound on the applied markers. Keys normally leave as soon as their entry is marked
 * applied; only a crash between those two writes leaves one behind, and such an entry is no
 * longer pending, so dropping the oldest leftovers is harmless.
 */
export const appliedEntryWindow = 1000;

/** How many notice keys a member keeps, so a job re-run does not queue the same notice again. */
export const noticeKeyWindow = 200;

export interface NewMember extends Omit<Member, 'points' | 'earnedTotal' | 'checkIn'> {
  signupKey: string;
  /** Set for a member who joined in chat: the flow run of the signup. */
  signupRunId?: string;
  /** Set for a member who joined in chat: what joining pays (the welcome bonus, the referrer's credit). */
  welcome?: WelcomeAmounts;
  sandbox?: boolean;
}

/** The fields a member gives about themselves. */
export type MemberProfile = Pick<Member, 'name' | 'mobile' | 'birthday' | 'locale'>;

/** A message for the member's next chat: a template and its variables. */
export interface Notice {
  key: string;
  template: string;
  variables: Record<string, string>;
}

/** What the ledger reads before a compare-and-set. */
export interface BalanceState {
  memberId: MemberId;
  revision: number;
  points: number;
  lots: Lot[];
  appliedEntries: string[];
  tier: string;
}

export interface BalanceChange {
  entryKey: string;
  lots: Lot[];
  points: number;
  /** Points that count as earned (toward tiers), added to `earnedMonth`'s bucket. */
  earned: number;
  earnedMonth?: string;
  set?: Record<string, unknown>;
  /** What `set` was planned on: the change lands only while the member still matches it. */
  where?: Record<string, unknown>;
}

/** How long a read that found no notices waiting stands in for the notices take of the turn that made it. */
const noNoticesReadStandsForMs = 5000;

/** A member whose erasure has begun or finished takes no personal data again: a write that raced the erasure finds nothing. */
const notBeingErased = { deleted: { $ne: true }, erasingSince: { $exists: false } } as const;

export function createMemberRepository(connection: Connection) {
  const Members = connection.model<MemberDocument>('Member', memberSchema);
  // The reads and the compare-and-set every points change makes go through the driver: mongoose's cost per call is
  // about half the driver's again, and casting an update walks every lot (docs/benchmark.md).
  const membersCollection = driverCollectionOf(Members);
  // Every points change ends by clearing its marker: the changes of a burst share one write.
  const updateMember = groupedUpdateOne(membersCollection);
  // Nearly every turn reads its member: the reads of the turns in flight share a round trip. An erased member's
  // tombstone is nobody (checked here: see groupedFindById).
  const readWithBalanceState = groupedFindById(membersCollection, { name: 'members.findWithBalanceState', projection: { noticeKeys: 0, earnedByMonth: 0 } });
  const readWithTierState = groupedFindById(membersCollection, { name: 'members.findWithTierState', projection: { appliedEntries: 0, lots: 0, noticeKeys: 0 } });
  const unlessErased = (doc: MemberDocument | null) => (doc?.deleted === true ? null : doc);

  // The turn's member read (findWithBalanceState, findWithTierState: check-in, store code, card, rewards; consentsOf:
  // the privacy notice, stopping or resuming promotions) also sees whether notices are waiting; when none were, the
  // take at the end of that turn is answered from the read instead of another round trip, and the answer is used up.
  // Only those three reads leave one: the ledger's, the jobs' and the console's reads are followed by no take. A notice
  // a job queues in between rides on the member's next reply, as one queued just after the take would. `queueNotice`
  // (a mission the turn itself completed) forgets the read, so that notice still rides on this reply.
  const noNoticesReadAt = new Map<string, number>();
  const rememberNotices = (id: string, notices: Notice[] | undefined) => {
    if (notices !== undefined && notices.length > 0) {
      noNoticesReadAt.delete(id);
      return;
    }
    // Entries are taken by the turn's own take: the map holds about the turns in flight. A bound for reads no take follows.
    if (noNoticesReadAt.size >= 10_000) noNoticesReadAt.clear();
    noNoticesReadAt.set(id, performance.now());
  };
  const noNoticesJustRead = (id: string): boolean => {
    const readAt = noNoticesReadAt.get(id);
    noNoticesReadAt.delete(id);
    return readAt !== undefined && performance.now() - readAt < noNoticesReadStandsForMs;
  };

  return {
    model: Members,

    async create(member: NewMember): Promise<{ kind: 'created' } | { kind: 'duplicate' }> {
      try {
        await Members.create({
          _id: member.id,
          signupKey: member.signupKey,
          name: member.name,
          mobile: member.mobile,
          birthday: member.birthday,
          locale: member.locale,
          tier: member.tier,
          tierSince: member.createdAt,
          points: 0,
          earnedTotal: 0,
          checkIn: { streak: 0, lastDay: null },
          consents: member.consents,
          identities: member.identities,
          lots: [],
          earnedByMonth: {},
          appliedEntries: [],
          notices: [],
          noticeKeys: [],
          revision: 0,
          createdAt: member.createdAt,
          ...(member.signupRunId ? { signupRunId: member.signupRunId } : {}),
          ...(member.welcome ? { welcome: member.welcome } : {}),
          ...(member.sandbox ? { sandbox: true } : {}),
        });
        return { kind: 'created' };
      } catch (error) {
        if (isDuplicateKeyError(error)) return { kind: 'duplicate' };
        throw error;
      }
    },

    /** The member, unless erased (a tombstone is nobody). */
    async findById(id: string): Promise<Member | null> {
      const doc = await Members.findOne(
        { _id: id, deleted: { $ne: true } },
        { appliedEntries: 0, lots: 0, notices: 0, noticeKeys: 0, earnedByMonth: 0 },
      ).lean();
      return doc ? toMember(doc) : null;
    },

    /** The member and their balance state in one read, for an action that earns or spends (the ledger's `readBefore`). */
    async findWithBalanceState(id: string): Promise<{ member: Member; balance: BalanceState } | null> {
      const doc = unlessErased(await readWithBalanceState(id));
      if (!doc) return null;
      rememberNotices(doc._id, doc.notices);
      return { member: toMember(doc), balance: toBalanceState(doc) };
    },

    /** The member and what their tier is measured by, in one read: the membership card shows both. */
    async findWithTierState(id: string): Promise<{ member: Member; tierState: MemberTierState } | null> {
      const doc = unlessErased(await readWithTierState(id));
      if (!doc) return null;
      rememberNotices(doc._id, doc.notices);
      const member = toMember(doc);
      return { member, tierState: { memberId: member.id, tier: member.tier, earnedByMonth: doc.earnedByMonth ?? {}, tierSince: doc.tierSince ?? null } };
    },

    /** What an erasure needs to know before it starts (or resumes). */
    async erasureState(
      id: string,
    ): Promise<{ kind: 'active' | 'erasing'; identities: Member['identities'] } | { kind: 'erased'; deletedAt: Date } | null> {
      const doc = await Members.findById(id, { identities: 1, erasingSince: 1, deleted: 1, deletedAt: 1 }).lean();
      if (doc === null) return null;
      if (doc.deleted === true) return { kind: 'erased', deletedAt: doc.deletedAt ?? new Date(0) };
      return { kind: doc.erasingSince ? 'erasing' : 'active', identities: doc.identities ?? [] };
    },

    /**
     * Erasure, first step: removes the personal fields at once and frees the signup key (so the
     * person can join again as someone new), keeping the identity list the later steps need.
     */
    async beginErasure(id: MemberId, now: Date): Promise<void> {
      await Members.updateOne(
        { _id: id, deleted: { $ne: true } },
        {
          $set: {
            signupKey: `erased:${id}`,
            name: '',
            mobile: '',
            birthday: null,
            notices: [],
            noticeKeys: [],
            leaderboard: { display: { kind: 'hidden' }, optedOut: true } satisfies LeaderboardSettings,
          },
          $min: { erasingSince: now },
        },
      );
    },

    /** Erasure, last step: the member document becomes a tombstone; balance fields stay for the ledger invariant. */
    async finishErasure(id: MemberId, now: Date): Promise<void> {
      await Members.updateOne(
        { _id: id, deleted: { $ne: true } },
        { $set: { deleted: true, deletedAt: now, identities: [], consents: [], locale: null }, $unset: { erasingSince: 1 } },
      );
    },

    /** Erasures a crash left half done, started before `before`. One pass over the collection: it is rare work. */
    async *streamUnfinishedErasures(before: Date): AsyncGenerator<MemberId> {
      const cursor = Members.find({ erasingSince: { $lt: before }, deleted: { $ne: true } }, { _id: 1 }).lean().cursor({ batchSize: 200 });
      for await (const doc of cursor) yield doc._id as MemberId;
    },

    /**
     * Members who joined in chat in [joinedFrom, joinedBefore), with the identity that signed up and what joining paid
     * then; not yet settled, not sandbox, erased or being erased. A scan of the collection (createdAt has no index on the embedded
     * server: DATABASE.md) that returns only the recent ones.
     */
    async *streamChatSignups(joinedFrom: Date, joinedBefore: Date): AsyncGenerator<{ memberId: MemberId; signupKey: string; welcome: WelcomeAmounts }> {
      const cursor = Members.find(
        {
          createdAt: { $gte: joinedFrom, $lt: joinedBefore },
          welcome: { $exists: true },
          welcomeSettledAt: { $exists: false },
          sandbox: { $ne: true },
          deleted: { $ne: true },
          erasingSince: { $exists: false },
        },
        { signupKey: 1, welcome: 1 },
      )
        .lean()
        .cursor({ batchSize: 200 });
      for await (const doc of cursor) yield { memberId: doc._id as MemberId, signupKey: doc.signupKey, welcome: doc.welcome! };
    },

    /** Everything joining pays is paid: the welcome recovery passes the member by from now on. */
    async markWelcomeSettled(id: MemberId, at: Date): Promise<void> {
      await Members.updateOne({ _id: id }, { $set: { welcomeSettledAt: at } });
    },

    /** Whether the member joined in this signup run, with what joining paid then (absent on members of earlier versions). */
    async joinedInRun(id: MemberId, signupRunId: string): Promise<{ welcome: WelcomeAmounts | null } | null> {
      const doc = await Members.findOne({ _id: id, signupRunId }, { welcome: 1 }).lean();
      return doc === null ? null : { welcome: doc.welcome ?? null };
    },

    async findBySignupKey(signupKey: string): Promise<Member | null> {
      const doc = await Members.findOne({ signupKey }, { appliedEntries: 0, lots: 0, notices: 0, noticeKeys: 0, earnedByMonth: 0 }).lean();
      return doc ? toMember(doc) : null;
    },

    /** Changes what a member told us (a CRM re-import); the balance and history stay as they are. */
    async updateProfile(id: MemberId, profile: MemberProfile): Promise<void> {
      await Members.updateOne({ _id: id, ...notBeingErased }, { $set: profile });
    },

    /**
     * A page of members in id order, optionally those whose name, mobile or a channel user id
     * contains `text` (case-insensitive, taken literally). A scan: members have no text index
     * (DATABASE.md), which is fine for staff looking someone up, not for a hot path.
     */
    async page(options: { limit: number; after?: string; text?: string }): Promise<{ members: Member[]; nextCursor: string | null }> {
      const filter: Record<string, unknown> = {};
      if (options.after !== undefined) filter._id = { $gt: options.after };
      if (options.text !== undefined) {
        const literal = new RegExp(escapeRegExp(options.text), 'i');
        const digits = options.text.replace(/[\s()+-]/g, '');
        filter.$or = [
          { name: literal },
          { mobile: /^\d+$/.test(digits) ? new RegExp(escapeRegExp(digits)) : literal },
          { 'identities.channelUserId': literal },
        ];
      }
      const docs = await Members.find(filter, { appliedEntries: 0, lots: 0, notices: 0, noticeKeys: 0, earnedByMonth: 0 })
        .sort({ _id: 1 })
        .limit(options.limit + 1)
        .lean();
      const members = docs.slice(0, options.limit).map(toMember);
      return { members, nextCursor: docs.length > options.limit ? (members.at(-1)?.id ?? null) : null };
    },

    async addIdentity(id: MemberId, identity: { channel: ChannelName; channelUserId: string }): Promise<void> {
      await Members.updateOne({ _id: id, ...notBeingErased }, { $addToSet: { identities: identity } });
    },

    /**
     * The member's consent records in the order they were made; null for no member (or a tombstone).
     * A turn's member read (the privacy notice, stopping or resuming promotions): it also sees the notices.
     */
    async consentsOf(id: MemberId): Promise<Consent[] | null> {
      const doc = await Members.findOne({ _id: id, deleted: { $ne: true } }, { consents: 1, notices: 1 }).lean();
      if (doc === null) return null;
      rememberNotices(doc._id, doc.notices);
      return (doc.consents ?? []).map(toConsent);
    },

    /**
     * Appends a consent record only if the member still has the `seen` records a decision was
     * read from: a compare-and-set, so two racing requests cannot both record the same change.
     */
    async appendConsent(id: MemberId, consent: Consent, seen: number): Promise<boolean> {
      const result = await Members.updateOne({ _id: id, deleted: { $ne: true }, consents: { $size: seen } }, { $push: { consents: consent } });
      return result.modifiedCount === 1;
    },

    async setLocale(id: MemberId, locale: Locale): Promise<void> {
      await Members.updateOne({ _id: id }, { $set: { locale } });
    },

    /**
     * Lets a sandbox member go when the admin resets the preview: it keeps its ledger (and its flag)
     * but frees its signup key, so the next preview signup makes a new member. Real members are untouched.
     */
    async retireSandboxMember(id: MemberId): Promise<void> {
      await Members.updateOne({ _id: id, sandbox: true }, { $set: { signupKey: `retired-sandbox:${id}`, identities: [] } });
    },

    async balanceState(id: string): Promise<BalanceState | null> {
      const doc = await membersCollection.findOne({ _id: id }, { projection: balanceProjection });
      return doc === null ? null : toBalanceState(doc);
    },

    /**
     * Writes a balance change only if nobody changed the balance since `state` was read; the
     * entry's key joins the applied markers in the same atomic update.
     */
    async compareAndSetBalance(state: BalanceState, change: BalanceChange): Promise<boolean> {
      const result = await membersCollection.updateOne(
        { ...change.where, _id: state.memberId, revision: state.revision },
        {
          $set: { lots: change.lots, points: change.points, ...change.set },
          $inc: {
            revision: 1,
            earnedTotal: change.earned,
            ...(change.earnedMonth && change.earned > 0 ? { [`earnedByMonth.${change.earnedMonth}`]: change.earned } : {}),
          },
          $push: { appliedEntries: { $each: [change.entryKey], $slice: -appliedEntryWindow } },
        },
      );
      return result.modifiedCount === 1;
    },

    /** Called once the ledger marked the entry applied: the marker has done its job. */
    async clearAppliedMarker(id: string, entryKey: string): Promise<void> {
      await updateMember({ filter: { _id: id }, update: { $pull: { appliedEntries: entryKey } } });
    },

    /** Queues a notice once per key, however often a job runs. */
    async queueNotice(id: MemberId, notice: Notice): Promise<boolean> {
      noNoticesReadAt.delete(id);
      const result = await Members.updateOne(
        { _id: id, noticeKeys: { $ne: notice.key } },
        { $push: { notices: notice, noticeKeys: { $each: [notice.key], $slice: -noticeKeyWindow } } },
      );
      // Again after the write: a read of this member that ran while it was in flight may have seen none waiting.
      noNoticesReadAt.delete(id);
      return result.modifiedCount === 1;
    },

    async dropNotice(id: MemberId, key: string): Promise<void> {
      await Members.updateOne({ _id: id }, { $pull: { notices: { key } } });
    },

    /**
     * Takes the waiting notices (leaving none), for the reply being written now; none without asking the
     * database when this turn's read of the member, moments ago, found none waiting.
     */
    async takeNotices(id: MemberId): Promise<Notice[]> {
      if (noNoticesJustRead(id)) return [];
      const before = await Members.findOneAndUpdate(
        { _id: id, 'notices.0': { $exists: true } },
        { $set: { notices: [] } },
        { returnDocument: 'before', projection: { notices: 1 } },
      ).lean();
      return before?.notices ?? [];
    },

    /** Streams members with a birthday, for the birthday bonus job. */
    async *streamBirthdays(): AsyncGenerator<{ memberId: MemberId; birthday: string }> {
      const cursor = Members.find({ birthday: { $ne: null } }, { birthday: 1 }).lean().cursor({ batchSize: 500 });
      for await (const doc of cursor) {
        if (doc.birthday) yield { memberId: doc._id as MemberId, birthday: doc.birthday };
      }
    },

    async leaderboardSettings(id: MemberId): Promise<LeaderboardSettings> {
      const doc = await Members.findById(id, { leaderboard: 1 }).lean();
      return doc?.leaderboard ?? defaultLeaderboardSettings;
    },

    /** The member's points earned in one loyalty month and their leaderboard choices, in one read. */
    async monthlyStanding(id: MemberId, month: string): Promise<{ earned: number; settings: LeaderboardSettings }> {
      const bucket = `earnedByMonth.${month}`;
      const doc = await Members.findById(id, { [bucket]: 1, leaderboard: 1 }).lean();
      return { earned: doc?.earnedByMonth?.[month] ?? 0, settings: doc?.leaderboard ?? defaultLeaderboardSettings };
    },

    async setLeaderboardSettings(id: MemberId, settings: LeaderboardSettings): Promise<void> {
      await Members.updateOne({ _id: id }, { $set: { leaderboard: settings } });
    },

    /**
     * Streams the members ranked for one loyalty month: earned something in it, not opted out.
     * One pass over the collection per call (members have no secondary index to lean on: DATABASE.md).
     */
    async *streamLeaderboard(month: string): AsyncGenerator<LeaderboardCandidate> {
      const bucket = `earnedByMonth.${month}`;
      const cursor = Members.find(
        { [bucket]: { $gt: 0 }, 'leaderboard.optedOut': { $ne: true }, sandbox: { $ne: true } },
        { name: 1, [bucket]: 1, leaderboard: 1 },
      )
        .lean<Pick<MemberDocument, '_id' | 'name' | 'earnedByMonth' | 'leaderboard'>[]>()
        .cursor({ batchSize: 1000 });
      for await (const doc of cursor) {
        const earned = doc.earnedByMonth?.[month] ?? 0;
        if (earned <= 0 || doc.leaderboard?.optedOut === true) continue;
        yield { memberId: doc._id as MemberId, name: doc.name ?? '', earned, display: doc.leaderboard?.display ?? defaultLeaderboardSettings.display };
      }
    },

    /** Streams every member's balance, for the invariant checker and the expiry job. */
    async *streamBalances(): AsyncGenerator<BalanceState> {
      const cursor = Members.find({}, balanceProjection).lean().cursor({ batchSize: 500 });
      for await (const doc of cursor) yield toBalanceState(doc);
    },
  };
}

export type MemberRepository = ReturnType<typeof createMemberRepository>;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const balanceProjection = { revision: 1, points: 1, lots: 1, appliedEntries: 1, tier: 1 };

function toBalanceState(doc: Pick<MemberDocument, '_id' | 'revision' | 'points' | 'lots' | 'appliedEntries' | 'tier'>): BalanceState {
  return {
    memberId: doc._id as MemberId,
    revision: doc.revision ?? 0,
    points: doc.points,
    lots: doc.lots ?? [],
    appliedEntries: doc.appliedEntries ?? [],
    tier: doc.tier,
  };
}

function toMember(doc: Omit<MemberDocument, 'appliedEntries' | 'lots' | 'revision' | 'notices' | 'noticeKeys' | 'earnedByMonth' | 'tierSince'>): Member {
  return {
    id: doc._id as MemberId,
    name: doc.name,
    mobile: doc.mobile,
    birthday: doc.birthday ?? null,
    locale: doc.locale ?? null,
    tier: doc.tier,
    points: doc.points,
    earnedTotal: doc.earnedTotal ?? 0,
    checkIn: { streak: doc.checkIn?.streak ?? 0, lastDay: doc.checkIn?.lastDay ?? null },
    consents: (doc.consents ?? []).map(toConsent),
    identities: doc.identities ?? [],
    createdAt: doc.createdAt,
  };
}

function toConsent(consent: Consent | LegacyConsent): Consent {
  if ('kind' in consent && consent.kind !== undefined) return { ...consent, channel: consent.channel ?? null };
  const legacy = consent as LegacyConsent;
  return { kind: legacy.document, version: legacy.version, status: 'given', at: legacy.acceptedAt, channel: null };
}
