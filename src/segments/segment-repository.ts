import { Schema, type Connection } from 'mongoose';
import type { Segment } from './segment';

interface SegmentDocument extends Omit<Segment, 'id'> {
  _id: string;
}

const segmentSchema = new Schema<SegmentDocument>(
  { _id: String, name: String, description: String, definition: Schema.Types.Mixed, createdAt: Date, updatedAt: Date },
  { collection: 'segments', versionKey: false, minimize: false },
);

export function createSegmentRepository(connection: Connection) {
  const Segments = connection.model<SegmentDocument>('Segment', segmentSchema);
  const toSegment = ({ _id, ...segment }: SegmentDocument): Segment => ({ id: _id, ...segment });
  return {
    model: Segments,

    async create(segment: Segment): Promise<void> {
      const { id, ...fields } = segment;
      await Segments.create({ _id: id, ...fields });
    },

    async find(id: string): Promise<Segment | null> {
      const doc = await Segments.findById(id).lean<SegmentDocument>();
      return doc ? toSegment(doc) : null;
    },

    async list(): Promise<Segment[]> {
      const docs = await Segments.find().sort({ _id: 1 }).lean<SegmentDocument[]>();
      return docs.map(toSegment);
    },

    /** Sets the fields given; answers the segment as it was, or null if there is none. */
    async update(id: string, changes: Partial<Pick<Segment, 'name' | 'description' | 'definition'>> & Pick<Segment, 'updatedAt'>): Promise<Segment | null> {
      const before = await Segments.findOneAndUpdate({ _id: id }, { $set: changes }, { returnDocument: 'before' }).lean<SegmentDocument>();
      return before ? toSegment(before) : null;
    },

    async remove(id: string): Promise<Segment | null> {
      const before = await Segments.findOneAndDelete({ _id: id }).lean<SegmentDocument>();
      return before ? toSegment(before) : null;
    },
  };
}

export type SegmentRepository = ReturnType<typeof createSegmentRepository>;
