import type { DateTime } from 'luxon';
import { identityKeyOf, type ChannelName } from '../../channels/channel';
import type { Locale } from '../../conversation/flow-schema';
import { marketingChoiceOf, NoMemberError, recordMarketingChoice, type MarketingChoiceOutcome } from '../../privacy/marketing-consent';
import { newMemberId, type MemberId } from '../../shared/ids';
import type { EarningRules } from '../points/award-points';
import { expiryOf } from '../points/ledger';
import type { LedgerRepository } from '../points/ledger-repository';
import type { IdentityRepository } from './identity-repository';
import type { Consent, Member } from './member';
import type { MemberProfile, MemberRepository } from './member-repository';

/** A member as a CRM knows them. */
export interface ImportedMember {
  externalId: string;
  displayName: string;
  phone: string;
  birthday: string | null;
  locale: Locale | null;
  /** Points the member brings along; awarded once, however often the row is imported. */
  openingPoints: number;
  /** Channel accounts the CRM knows, so the member is recognised when they first chat. */
  identities: { channel: ChannelName; channelUserId: string }[];
  /** The member's choice about promotions as the CRM has it; null leaves the choice in effect as it is. */
  marketing: Consent['status'] | null;
  /** When the CRM recorded `marketing`; null means at the import. */
  marketingAt: Date | null;
}

/** A row that failed validation: reported in its place, never imported. */
export interface RejectedRow {
  externalId: string | null;
  rejected: string;
}

export type ImportResult =
  | {
      externalId: string;
      status: 'created' | 'updated';
      memberId: MemberId;
      openingPoints: 'awarded' | 'alreadyAwarded' | 'none';
      /** Only for a row with `marketing`: whether it was recorded (see recordMarketingChoice). */
      marketing?: MarketingChoiceOutcome['kind'];
    }
  | { externalId: string | null; status: 'error'; reason: string };

export interface ImportOutcome {
  summary: { created: number; updated: number; errors: number };
  /** One per row, in the rows' order. */
  results: ImportResult[];
  /** The profiles updated members had before, for the audit log. */
  previousProfiles: (MemberProfile & { memberId: MemberId })[];
}

export interface ImportDeps {
  members: MemberRepository;
  identities: IdentityRepository;
  ledger: LedgerRepository;
  earning: EarningRules;
  startingTier: string;
  /** TERMS_VERSION, the version a marketing record of the import carries. */
  termsVersion: string;
}

/** The member's signupKey: unique, so a re-import (or two concurrent ones) lands on the same member. */
export const importSignupKeyOf = (externalId: string) => `crm:${externalId}`;

/**
 * Imports members who exist in a CRM already, row by row: a bad row is reported and the others go
 * on. Idempotent on externalId: a re-import updates the profile and never awards opening points
 * twice (their ledger key is `import:<externalId>`). A row's choice about promotions is recorded
 * only when it changes the choice in effect, and never over one the member made after the CRM
 * recorded it. Every step can be repeated, so a crash in the middle of a row is repaired by
 * importing it again.
 */
export async function importMembers(deps: ImportDeps, rows: (ImportedMember | RejectedRow)[], now: DateTime): Promise<ImportOutcome> {
  const firstRowOf = new Map<string, number>();
  rows.forEach((row, index) => {
    if (!('rejected' in row) && !firstRowOf.has(row.externalId)) firstRowOf.set(row.externalId, index);
  });
  const results: ImportResult[] = new Array(rows.length);
  const previousProfiles: ImportOutcome['previousProfiles'] = [];
  const importRow = async (row: ImportedMember | RejectedRow, index: number): Promise<ImportResult> => {
    if ('rejected' in row) return { externalId: row.externalId, status: 'error', reason: row.rejected };
    if (firstRowOf.get(row.externalId) !== index) {
      return { externalId: row.externalId, status: 'error', reason: `externalId ${row.externalId} appears twice in this import; merge the rows` };
    }
    const imported = await importMember(deps, row, now);
    if (imported.status !== 'error' && imported.before) previousProfiles.push({ memberId: imported.memberId, ...imported.before });
    const { before: _, ...result } = imported as ImportResult & { before?: MemberProfile };
    return result;
  };
  // Rows are independent (one externalId each), so a few run at once: a large import is bound
  // by round trips to the database, not by work.
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const index = next++;
      results[index] = await importRow(rows[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: importConcurrency }, worker));
  const count = (status: ImportResult['status']) => results.filter((result) => result.status === status).length;
  return { summary: { created: count('created'), updated: count('updated'), errors: count('error') }, results, previousProfiles };
}

const importConcurrency = 8;

async function importMember(deps: ImportDeps, row: ImportedMember, now: DateTime): Promise<ImportResult & { before?: MemberProfile }> {
  if (row.marketingAt !== null && row.marketingAt.getTime() > now.toMillis() + marketingClockSkewMs) {
    return {
      externalId: row.externalId,
      status: 'error',
      reason: `marketingAt: ${row.marketingAt.toISOString()} is later than now; send the time the CRM recorded the choice`,
    };
  }
  const profile: MemberProfile = { name: row.displayName, mobile: row.phone, birthday: row.birthday, locale: row.locale };
  const existing = await deps.members.findBySignupKey(importSignupKeyOf(row.externalId));

  for (const identity of row.identities) {
    const owner = (await deps.identities.find(identityKeyOf(identity)))?.memberId ?? null;
    if (owner !== null && owner !== existing?.id) {
      return {
        externalId: row.externalId,
        status: 'error',
        reason: `${identity.channel} user ${identity.channelUserId} is member ${owner} already; remove it from the row or merge the members`,
      };
    }
  }

  const saved = existing ? await update(deps, existing, profile) : await create(deps, row, profile, now);
  // Before the identities are linked: a member who opted out in the CRM is never reachable without their withdrawal.
  let marketing: MarketingChoiceOutcome['kind'] | undefined;
  try {
    marketing = await recordCrmMarketingChoice(deps, row, saved.memberId, now);
  } catch (error) {
    if (!(error instanceof NoMemberError)) throw error;
    return { externalId: row.externalId, status: 'error', reason: `member ${saved.memberId} was erased while this row was imported; nothing more was recorded` };
  }
  for (const identity of row.identities) {
    const linked = await deps.identities.claimForMember(identityKeyOf(identity), identity, saved.memberId, now.toJSDate());
    if (!linked) {
      return {
        externalId: row.externalId,
        status: 'error',
        reason: `${identity.channel} user ${identity.channelUserId} joined as another member meanwhile; the member was saved without it`,
      };
    }
    await deps.members.addIdentity(saved.memberId, identity);
  }
  const openingPoints = await awardOpeningPoints(deps, row, saved.memberId, now);
  return { externalId: row.externalId, ...saved, openingPoints, ...(marketing !== undefined ? { marketing } : {}) };
}

async function create(deps: ImportDeps, row: ImportedMember, profile: MemberProfile, now: DateTime) {
  const memberId = newMemberId();
  const created = await deps.members.create({
    id: memberId,
    signupKey: importSignupKeyOf(row.externalId),
    ...profile,
    tier: deps.startingTier,
    consents: [],
    identities: [],
    createdAt: now.toJSDate(),
  });
  if (created.kind === 'created') return { status: 'created' as const, memberId };
  // A concurrent import of the same row won: this one is its update.
  return update(deps, (await deps.members.findBySignupKey(importSignupKeyOf(row.externalId)))!, profile);
}

async function update(deps: ImportDeps, member: Member, profile: MemberProfile) {
  await deps.members.updateProfile(member.id, profile);
  const before: MemberProfile = { name: member.name, mobile: member.mobile, birthday: member.birthday, locale: member.locale };
  return { status: 'updated' as const, memberId: member.id, before };
}

/** A CRM's clock may run a little ahead of ours: a marketingAt up to this far in the future counts as now. */
const marketingClockSkewMs = 5 * 60_000;

async function recordCrmMarketingChoice(deps: ImportDeps, row: ImportedMember, memberId: MemberId, now: DateTime) {
  if (row.marketing === null) return undefined;
  // Undated, "given" would land as made now and undo any objection on record: a nightly sync that still says
  // "given" must not send promotions to someone who stopped them. Only a dated choice, made after it, may.
  if (row.marketing === 'given' && row.marketingAt === null) {
    const inEffect = await marketingChoiceOf(deps.members, memberId);
    if (inEffect === null) throw new NoMemberError(memberId);
    if (inEffect === 'withdrawn') return 'laterChoiceInEffect';
  }
  const at = row.marketingAt === null || row.marketingAt > now.toJSDate() ? now.toJSDate() : row.marketingAt;
  const outcome = await recordMarketingChoice(
    deps.members,
    memberId,
    { status: row.marketing, version: deps.termsVersion, at, channel: 'import' },
    { keepLaterChoice: true },
  );
  return outcome.kind;
}

/** A carried-over balance, not earning in this month: it does not count toward tiers. */
async function awardOpeningPoints(deps: ImportDeps, row: ImportedMember, memberId: MemberId, now: DateTime) {
  if (row.openingPoints <= 0) return 'none';
  const result = await deps.ledger.earn({
    key: `import:${row.externalId}`,
    memberId,
    points: row.openingPoints,
    reason: 'adjustment',
    note: 'Opening balance (CRM import)',
    now,
    expiresAt: expiryOf(deps.earning.expiry, now, deps.earning.zone),
    qualifyingMonth: null,
  });
  return result.kind === 'duplicate' ? 'alreadyAwarded' : 'awarded';
}
