import type { DateTime } from 'luxon';
import type { InboundEvent } from '../../src/channels/channel';
import { randomUUID } from 'node:crypto';
import type { NewMember } from '../../src/loyalty/members/member-repository';
import { newMemberId } from '../../src/shared/ids';
import type { Reward, RewardId } from '../../src/loyalty/rewards/reward';

/** A plain, always-available reward; tests override only what they are about. */
export function aReward(overrides: Partial<Reward> = {}): Reward {
  return {
    id: `reward-${randomUUID().slice(0, 8)}` as RewardId,
    name: { 'zh-TW': '中杯美式咖啡', en: 'Americano' },
    description: { 'zh-TW': '全門市適用', en: 'At any of our stores' },
    imageUrl: null,
    cost: 100,
    stock: null,
    startsAt: null,
    endsAt: null,
    perMemberLimit: null,
    minimumTier: null,
    usesCouponPool: false,
    active: true,
    ...overrides,
  };
}

/** A member as signup would store them, without going through a chat; tests override only what they are about. */
export function aNewMember(overrides: Partial<NewMember> = {}): NewMember {
  const id = overrides.id ?? newMemberId();
  return {
    id,
    signupKey: `test:${id}`,
    name: 'Amy',
    mobile: '0912345678',
    birthday: null,
    locale: 'en',
    tier: 'member',
    consents: [],
    identities: [],
    createdAt: new Date('2026-11-23T02:00:00Z'),
    ...overrides,
  };
}

/** Text messages as the LINE channel hands them to the inbox, each with a new event id, received at `receivedAt()` unless `at` says. */
export function lineTextMessages(idPrefix: string, receivedAt: () => DateTime) {
  let sequence = 0;
  return (person: string, { at = receivedAt() }: { at?: DateTime } = {}): InboundEvent => {
    sequence += 1;
    return { kind: 'text', text: `message ${sequence}`, channel: 'line', channelUserId: person, eventId: `${idPrefix}-${Date.now()}-${sequence}`, receivedAt: at };
  };
}
