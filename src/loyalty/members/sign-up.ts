import { isSandboxChannel, type ChannelName } from '../../channels/channel';
import type { Locale } from '../../conversation/flow-schema';
import { newMemberId, type MemberId } from '../../shared/ids';
import type { IdentityRepository } from './identity-repository';
import type { MemberRepository } from './member-repository';
import type { WelcomeAmounts } from './member';

export interface SignUpRequest {
  identityKey: string;
  channel: ChannelName;
  channelUserId: string;
  name: string;
  mobile: string;
  birthday: string | null;
  locale: Locale;
  termsVersion: string;
  now: Date;
  /** The chat flow run asking: the same run asking again is the same signup. */
  runId: string;
  /** What joining pays now: kept on the member, so that the welcome recovery pays what was promised. */
  welcome: WelcomeAmounts;
}

/** `welcome`: what joining pays, as stored when the member was made (a turn run again pays what the first run promised). */
export type SignUpOutcome = { kind: 'joined'; memberId: MemberId; welcome: WelcomeAmounts } | { kind: 'alreadyMember'; memberId: MemberId };

export interface SignUpDeps {
  members: MemberRepository;
  identities: IdentityRepository;
  startingTier: string;
}

/**
 * Joins the programme. The member's unique signupKey (the identity that signed up) makes a
 * repeated or concurrent signup of the same person land on one member. Every call of the flow run
 * that made the member answers `joined` (a turn that failed after the member was made and is run
 * again, or the same answer sent twice at once): what follows joining (the welcome bonus, the
 * referral credit) may not have happened yet, and is keyed to happen once. A call of another run
 * answers `alreadyMember`.
 */
export async function signUp(deps: SignUpDeps, request: SignUpRequest): Promise<SignUpOutcome> {
  const existing = await findMember(deps, request.identityKey);
  if (existing !== null) return outcomeForExisting(deps, existing, request);

  const memberId = newMemberId();
  const created = await deps.members.create({
    id: memberId,
    signupKey: request.identityKey,
    name: request.name,
    mobile: request.mobile,
    birthday: request.birthday,
    locale: request.locale,
    tier: deps.startingTier,
    consents: [
      { kind: 'terms', version: request.termsVersion, status: 'given', at: request.now, channel: request.channel },
      { kind: 'privacy', version: request.termsVersion, status: 'given', at: request.now, channel: request.channel },
    ],
    identities: [{ channel: request.channel, channelUserId: request.channelUserId }],
    createdAt: request.now,
    signupRunId: request.runId,
    welcome: request.welcome,
    sandbox: isSandboxChannel(request.channel),
  });
  if (created.kind === 'duplicate') {
    const winner = await findMember(deps, request.identityKey);
    return outcomeForExisting(deps, winner!, request);
  }
  await deps.identities.linkMember(request.identityKey, memberId);
  return { kind: 'joined', memberId, welcome: request.welcome };
}

async function outcomeForExisting(deps: SignUpDeps, memberId: MemberId, request: SignUpRequest): Promise<SignUpOutcome> {
  const joined = await deps.members.joinedInRun(memberId, request.runId);
  if (joined === null) return { kind: 'alreadyMember', memberId };
  return { kind: 'joined', memberId, welcome: joined.welcome ?? request.welcome };
}

/** The identity's member, also when a crash left the member created but the identity not yet linked. */
async function findMember(deps: SignUpDeps, identityKey: string): Promise<MemberId | null> {
  const identity = await deps.identities.find(identityKey);
  if (identity?.memberId) return identity.memberId;
  const member = await deps.members.findBySignupKey(identityKey);
  if (member === null) return null;
  await deps.identities.linkMember(identityKey, member.id);
  return member.id;
}
