import { Schema, type Connection } from 'mongoose';
import type { Reward } from './reward';

interface RewardDocument extends Omit<Reward, 'id'> {
  _id: string;
}

const rewardSchema = new Schema<RewardDocument>(
  {
    _id: String,
    name: { type: Schema.Types.Mixed, required: true },
    description: { type: Schema.Types.Mixed, default: {} },
    imageUrl: { type: String, default: null },
    cost: { type: Number, required: true },
    stock: { type: Number, default: null },
    active: { type: Boolean, default: true },
  },
  { collection: 'rewards', versionKey: false },
);

export function createRewardRepository(connection: Connection) {
  const Rewards = connection.model<RewardDocument>('Reward', rewardSchema);

  return {
    model: Rewards,

    async active(): Promise<Reward[]> {
      const docs = await Rewards.find({ active: true }).sort({ cost: 1 }).lean();
      return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
    },

    async count(): Promise<number> {
      return Rewards.countDocuments();
    },

    async insertMany(rewards: Reward[]): Promise<void> {
      await Rewards.insertMany(rewards.map(({ id, ...rest }) => ({ _id: id, ...rest })));
    },
  };
}

export type RewardRepository = ReturnType<typeof createRewardRepository>;
