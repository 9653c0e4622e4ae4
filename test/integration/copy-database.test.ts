import { copyDatabase } from '../../src/database/copy-database';
import { verifyLedger } from '../../src/loyalty/points/verify-ledger';
import { createRepositories } from '../../src/repositories';
import { conversationWith } from '../support/conversation';
import { openTestDatabase } from '../support/mongo';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({ DEMO_DATA: 'true' });
});
afterAll(() => platform.close());

describe('moving a programme to another database (npm run db:copy)', () => {
  it('copies every collection with its ids, so the ledger still checks out there, and refuses a non-empty target', async () => {
    const chat = conversationWith(platform, { locale: 'en' });
    await chat.joins('Amy');
    await chat.says('check in');

    const target = await openTestDatabase();
    try {
      const outcome = await copyDatabase(platform.repositories.members.model.db, target, { batchSize: 7 });
      expect(outcome.kind).toBe('copied');
      const copied = outcome.kind === 'copied' ? Object.fromEntries(outcome.collections.map((c) => [c.name, c.documents])) : {};
      expect(copied.members).toBe(await platform.repositories.members.model.countDocuments());
      expect(copied.ledger_entries ?? copied.ledger).toBeGreaterThan(0);

      const report = await verifyLedger(createRepositories(target));
      expect(report).toMatchObject({ ok: true, membersChecked: copied.members });

      expect(await copyDatabase(platform.repositories.members.model.db, target)).toMatchObject({ kind: 'targetNotEmpty' });
    } finally {
      await target.dropAndClose();
    }
  });
});
