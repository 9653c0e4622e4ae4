import { Schema, Types, type Connection } from 'mongoose';

/** One admin write: who did what to which resource, when, and the resource before and after. */
export interface AuditEntry {
  id: string;
  at: Date;
  /** The principal's non-secret name (`role:hashprefix`), never the token. */
  actor: string;
  role: string;
  /** A dotted verb, e.g. `rewards.update`, `flows.publish`. */
  action: string;
  /** What was changed, e.g. `reward:coffee`, `member:6f1…`. */
  resource: string;
  before?: unknown;
  after?: unknown;
}

interface AuditDocument extends Omit<AuditEntry, 'id'> {
  _id: string;
}

const auditSchema = new Schema<AuditDocument>(
  {
    _id: String,
    at: Date,
    actor: String,
    role: String,
    action: String,
    resource: String,
    before: Schema.Types.Mixed,
    after: Schema.Types.Mixed,
  },
  { collection: 'audit_log', versionKey: false, minimize: false },
);

export function createAuditRepository(connection: Connection) {
  const Audit = connection.model<AuditDocument>('AuditEntry', auditSchema);
  const toEntry = ({ _id, ...entry }: AuditDocument): AuditEntry => ({ id: _id, ...entry });
  return {
    model: Audit,

    async record(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
      // Ids sort by time first, so "newest first" is an _id sort (the one index that is always real);
      // the ObjectId grows within a process, so writes in one millisecond keep their order too.
      const id = `${entry.at.toISOString()}-${new Types.ObjectId().toHexString()}`;
      await Audit.create({ _id: id, ...entry });
      return { id, ...entry };
    },

    /** Newest first; `before` is the id of the last entry of the previous page. */
    async list(query: { limit: number; before?: string; resource?: string; action?: string }): Promise<AuditEntry[]> {
      const filter: Record<string, unknown> = {};
      if (query.before !== undefined) filter._id = { $lt: query.before };
      if (query.resource !== undefined) filter.resource = query.resource;
      if (query.action !== undefined) filter.action = query.action;
      const docs = await Audit.find(filter).sort({ _id: -1 }).limit(query.limit).lean<AuditDocument[]>();
      return docs.map(toEntry);
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
