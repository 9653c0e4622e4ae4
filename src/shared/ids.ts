import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

declare const brand: unique symbol;
export type Branded<T, Name extends string> = T & { readonly [brand]: Name };

export type MemberId = Branded<string, 'MemberId'>;
export type IdentityKey = Branded<string, 'IdentityKey'>;

export function newMemberId(): MemberId {
  return `m_${randomBytes(12).toString('base64url')}` as MemberId;
}

export function newEventId(): string {
  return randomUUID();
}

/** Who holds a lease (an event, a broadcast run, a tier run): the host and process, so an operator can tell which server it is. */
export function newLeaseHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** A UUID that is the same for the same input, e.g. a LINE retry key derived from an event id. */
export function stableUuid(input: string): string {
  const hex = createHash('sha256').update(input).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
