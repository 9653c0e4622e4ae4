import { seedDefaults } from '../../src/loyalty/demo-data';
import { initModels } from '../../src/database/mongo-connection';
import { createRepositories, modelsOf } from '../../src/repositories';
import { openTestDatabase } from '../support/mongo';

describe('seeding an empty database', () => {
  it('inserts the default tiers and sample rewards once, even when two servers start together', async () => {
    const connection = await openTestDatabase();
    try {
      const repositories = createRepositories(connection);
      await initModels(modelsOf(repositories));
      const now = new Date('2026-11-23T02:00:00Z');
      await Promise.all([
        seedDefaults(repositories, { sampleRewards: true, now }),
        seedDefaults(repositories, { sampleRewards: true, now }),
        seedDefaults(repositories, { sampleRewards: true, now }),
      ]);
      expect((await repositories.tiers.all()).map((tier) => tier.id)).toEqual(['member', 'silver', 'gold']);
      expect(await repositories.rewards.count()).toBe(3);
      expect(await seedDefaults(repositories, { sampleRewards: true, now })).toEqual({ tiers: false, rewards: false });
    } finally {
      await connection.dropAndClose();
    }
  });
});
