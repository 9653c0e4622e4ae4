import type { DateTime } from 'luxon';
import { identityKeyOf, type InboundEvent, type OutboundMessage } from '../channels/channel';
import type { MemberId } from '../shared/ids';
import type { TranscriptLine, TranscriptRepository } from './transcript-repository';

/** How long member conversations are kept (TRANSCRIPT_RETENTION_DAYS); 0 keeps none. */
export interface TranscriptRetention {
  days: number;
}

/** One turn of a member's conversation as transcript lines: what came in, then each reply. */
export function transcriptLinesOf(event: InboundEvent, memberId: MemberId, replies: OutboundMessage[], now: DateTime): TranscriptLine[] {
  const base = { memberId, identityKey: identityKeyOf(event), channel: event.channel, at: now.toJSDate() };
  const inbound = inboundTextOf(event);
  return [
    ...(inbound === null ? [] : [{ ...base, direction: 'inbound' as const, text: inbound }]),
    ...replies.map((reply) => ({ ...base, direction: 'outbound' as const, text: outboundTextOf(reply) })),
  ];
}

function inboundTextOf(event: InboundEvent): string | null {
  if (event.kind === 'text') return event.text;
  if (event.kind !== 'choice') return null;
  const date = event.params?.date;
  return date === undefined ? event.payload : `${event.payload} (${date})`;
}

function outboundTextOf(message: OutboundMessage): string {
  if (message.kind === 'text') return message.text;
  return [message.title, message.subtitle, ...message.fields.map((field) => `${field.label}: ${field.value}`), message.footer]
    .filter((line) => line !== undefined)
    .join('\n');
}

/** Removes lines older than the retention; with retention 0 nothing is recorded, and this clears what is left. */
export async function sweepTranscripts(
  transcripts: Pick<TranscriptRepository, 'deleteOlderThan'>,
  retention: TranscriptRetention,
  now: DateTime,
): Promise<{ deleted: number }> {
  const cutoff = now.minus({ days: retention.days }).toJSDate();
  return { deleted: await transcripts.deleteOlderThan(cutoff) };
}
