import { insertOutcomesFromBulkError } from '../../../src/database/grouped-calls';

describe('insertOutcomesFromBulkError', () => {
  it('reads new, duplicate and refused documents when the answer accounts for every one', () => {
    const outcomes = insertOutcomesFromBulkError(
      { writeErrors: [{ index: 1, code: 11000 }, { index: 2, code: 121, errmsg: 'validation' }], insertedIds: { 0: 'a', 3: 'd' } },
      4,
    );
    expect(outcomes?.slice(0, 2)).toEqual([true, false]);
    expect(outcomes?.[2]).toBeInstanceOf(Error);
    expect(outcomes?.[3]).toBe(true);
  });

  // The driver reports a command error (a server shutting down) as a bulk error with no write errors: nothing is known inserted.
  it('fails the whole write for a bulk error without write errors', () => {
    expect(insertOutcomesFromBulkError({ name: 'MongoBulkWriteError', writeErrors: [], insertedIds: {} }, 3)).toBeNull();
  });

  it('fails the whole write when some documents are neither inserted nor refused', () => {
    expect(insertOutcomesFromBulkError({ writeErrors: [{ index: 0, code: 11000 }], insertedIds: {} }, 3)).toBeNull();
  });

  it('fails the whole write for an error that is not a bulk answer', () => {
    expect(insertOutcomesFromBulkError(Object.assign(new Error('connection closed'), { name: 'MongoNetworkError' }), 2)).toBeNull();
  });
});
