import { randomUUID } from 'node:crypto';
import { identityKeyOf, type InboundEvent, type OutboundMessage } from '../channels/channel';
import type { IdentityRepository } from '../loyalty/members/identity-repository';
import type { MemberRepository } from '../loyalty/members/member-repository';
import type { Clock } from '../shared/clock';
import { draftCatalog, type ContentDeps, type Invalid } from './content-publishing';
import { createFlowRunner, type FlowRunnerDeps } from './flow-runner';
import type { Locale } from './flow-schema';
import type { SessionRepository } from './session-repository';

export interface PreviewDeps {
  content: ContentDeps;
  /** The live runner's dependencies; the preview swaps in the catalog with the drafts. */
  runner: Omit<FlowRunnerDeps, 'catalog'>;
  sessions: SessionRepository;
  identities: IdentityRepository;
  members: MemberRepository;
  clock: Clock;
}

export type PreviewInput = { kind: 'text'; text: string } | { kind: 'choice'; payload: string };

/**
 * Chats as the admin's own sandbox person (channel `preview`, user id = the admin's principal
 * name) on the catalog with every draft laid over the live one. Whoever joins here is a sandbox
 * member (see isSandboxChannel); the actions are the real ones, on that member.
 */
export async function previewMessage(
  deps: PreviewDeps,
  admin: string,
  input: PreviewInput & { locale?: Locale },
): Promise<{ kind: 'answered'; messages: OutboundMessage[] } | Invalid> {
  const drafts = await draftCatalog(deps.content);
  if (drafts.kind === 'invalid') return drafts;
  const runner = createFlowRunner({ ...deps.runner, catalog: () => drafts.catalog });
  const source = {
    channel: 'preview',
    channelUserId: admin,
    eventId: `preview:${randomUUID()}`,
    receivedAt: deps.clock.now(),
    ...(input.locale ? { locale: input.locale } : {}),
  } as const;
  const event: InboundEvent = input.kind === 'text' ? { kind: 'text', text: input.text, ...source } : { kind: 'choice', payload: input.payload, ...source };
  return { kind: 'answered', messages: await runner.handle(event) };
}

/** Starts the admin's preview afresh: no session, no identity, and the sandbox member let go. */
export async function resetPreview(deps: PreviewDeps, admin: string): Promise<{ retiredMemberId: string | null }> {
  const key = identityKeyOf({ channel: 'preview', channelUserId: admin });
  const identity = await deps.identities.find(key);
  await deps.sessions.clear(key);
  if (identity?.memberId) await deps.members.retireSandboxMember(identity.memberId);
  await deps.identities.forget(key);
  return { retiredMemberId: identity?.memberId ?? null };
}
