import { randomUUID } from 'node:crypto';
import { Schema, type Connection } from 'mongoose';
import type { ChannelName } from '../channels/channel';
import { groupCommit } from '../shared/group-commit';
import type { MemberId } from '../shared/ids';
import { driverCollectionOf } from '../database/mongo-connection';

/** One line of a member's conversation: what they sent (text or a tapped choice) or what we answered. */
export interface TranscriptLine {
  memberId: MemberId;
  identityKey: string;
  channel: ChannelName;
  direction: 'inbound' | 'outbound';
  text: string;
  at: Date;
}

interface TranscriptDocument extends Omit<TranscriptLine, 'memberId'> {
  /** `<ISO time>-<place in its turn>-<random>`: ids sort by time, so the retention sweep is a range delete on `_id`. */
  _id: string;
  memberId: string;
}

const transcriptSchema = new Schema<TranscriptDocument>(
  { _id: String, memberId: String, identityKey: String, channel: String, direction: String, text: String, at: Date },
  { collection: 'transcripts', versionKey: false },
);
// Declared for real MongoDB; the embedded server scans (DATABASE.md). Only exports and erasures query it.
transcriptSchema.index({ memberId: 1, _id: 1 });

export function createTranscriptRepository(connection: Connection) {
  const Transcripts = connection.model<TranscriptDocument>('TranscriptLine', transcriptSchema);
  const transcriptsCollection = driverCollectionOf(Transcripts);

  // Every member's turn writes here: group-committed, a burst's turns share one insert; through the driver, as a
  // line holds every field the schema has.
  // A line's _id sorts by time, then by its place in its own turn (a turn's lines share one time), zero-padded so
  // the tenth line of a turn does not sort before the second.
  const insertTogether = groupCommit<TranscriptLine[], void>(async (turns) => {
    const documents = turns.flatMap((lines) =>
      lines.map((line, index) => ({ _id: `${line.at.toISOString()}-${String(index).padStart(4, '0')}-${randomUUID().slice(0, 8)}`, ...line })),
    );
    await transcriptsCollection.insertMany(documents, { ordered: false });
    return turns.map(() => undefined);
  }, { name: 'transcripts.insert' });

  return {
    model: Transcripts,

    async record(lines: TranscriptLine[]): Promise<void> {
      if (lines.length === 0) return;
      await insertTogether(lines);
    },

    /** Oldest first. */
    async ofMember(memberId: MemberId): Promise<TranscriptLine[]> {
      const docs = await Transcripts.find({ memberId }).sort({ _id: 1 }).lean();
      return docs.map(({ _id, ...line }) => ({ ...line, memberId: line.memberId as MemberId }));
    },

    async deleteOfMember(memberId: MemberId): Promise<number> {
      return (await Transcripts.deleteMany({ memberId })).deletedCount;
    },

    /** The retention sweep: every line written before `cutoff`. */
    async deleteOlderThan(cutoff: Date): Promise<number> {
      return (await Transcripts.deleteMany({ _id: { $lt: cutoff.toISOString() } })).deletedCount;
    },
  };
}

export type TranscriptRepository = ReturnType<typeof createTranscriptRepository>;
