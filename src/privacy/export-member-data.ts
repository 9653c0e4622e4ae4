import type { DateTime } from 'luxon';
import type { Repositories } from '../repositories';
import type { MemberId } from '../shared/ids';

type ExportDeps = Pick<
  Repositories,
  'members' | 'identities' | 'ledger' | 'redemptions' | 'tierHistory' | 'missions' | 'transcripts'
>;

/** Everything the programme holds about one member, as the member downloads it (docs/privacy.md). */
export async function exportMemberData(deps: ExportDeps, memberId: MemberId, now: DateTime) {
  const member = await deps.members.findById(memberId);
  if (member === null) return null;
  const { consents, identities: _identityList, ...profile } = member;
  const [leaderboard, identities, ledger, redemptions, tierHistory, missions, transcript] = await Promise.all([
    deps.members.leaderboardSettings(memberId),
    deps.identities.ofMember(memberId),
    deps.ledger.allOfMember(memberId),
    allRedemptionsOf(deps, memberId),
    deps.tierHistory.ofMember(memberId),
    deps.missions.all(),
    deps.transcripts.ofMember(memberId),
  ]);
  const progress = await deps.missions.progressOf(memberId, missions.map((mission) => mission.id));
  return {
    format: 'chat-loyalty.member-export.v1',
    exportedAt: now.toUTC().toISO(),
    profile: { ...profile, leaderboard },
    consents,
    identities: identities.map((identity) => ({
      channel: identity.channel,
      channelUserId: identity.channelUserId,
      locale: identity.locale,
      following: identity.following,
      firstSeenAt: identity.createdAt,
      lastMessageAt: identity.lastInboundAt,
    })),
    ledger: ledger.map(({ memberId: _member, draws: _draws, ...entry }) => entry),
    redemptions: redemptions.map((redemption) => ({
      voucher: redemption.id,
      reward: redemption.rewardName,
      cost: redemption.cost,
      status: redemption.status,
      couponCode: redemption.couponCode,
      createdAt: redemption.createdAt,
      redeemedAt: redemption.redeemedAt,
      fulfilledAt: redemption.fulfilledAt,
      cancelledAt: redemption.cancelledAt,
      releasedAt: redemption.releasedAt,
    })),
    tierHistory: tierHistory.map(({ memberId: _member, runId: _run, ...change }) => change),
    missionProgress: missions
      .filter((mission) => progress.has(mission.id))
      .map((mission) => ({ mission: mission.name, ...progress.get(mission.id)! })),
    transcript: transcript.map((line) => ({ at: line.at, channel: line.channel, direction: line.direction, text: line.text })),
  };
}

export type MemberExport = NonNullable<Awaited<ReturnType<typeof exportMemberData>>>;

async function allRedemptionsOf(deps: ExportDeps, memberId: MemberId) {
  const all = [];
  let cursor: string | undefined;
  do {
    const page = await deps.redemptions.list({ memberId, limit: 200, ...(cursor !== undefined ? { cursor } : {}) });
    all.push(...page.redemptions);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}
