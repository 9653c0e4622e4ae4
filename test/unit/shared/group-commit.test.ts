import { groupCommit } from '../../../src/shared/group-commit';

/** A write that records each batch and finishes only when the test says so. */
function controlledWrite() {
  const batches: number[][] = [];
  const finishers: (() => void)[] = [];
  const write = (items: number[]) => {
    batches.push(items);
    return new Promise<(number | Error)[]>((resolve) => {
      finishers.push(() => resolve(items.map((item) => (item < 0 ? new Error(`refused ${item}`) : item * 10))));
    });
  };
  const finishNext = async () => {
    while (finishers.length === 0) await new Promise((resolve) => setImmediate(resolve));
    finishers.shift()!();
  };
  return { batches, write, finishNext };
}

describe('groupCommit', () => {
  it('writes a call on its own at once', async () => {
    const { batches, write, finishNext } = controlledWrite();
    const add = groupCommit(write, { name: 'test' });
    const answer = add(1);
    await finishNext();
    expect(await answer).toBe(10);
    expect(batches).toEqual([[1]]);
  });

  it('sends the calls that arrive during a write together in the next one, in call order', async () => {
    const { batches, write, finishNext } = controlledWrite();
    const add = groupCommit(write, { name: 'test' });
    const first = add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const during = [add(2), add(3), add(4)];
    await finishNext();
    await finishNext();
    expect(await Promise.all([first, ...during])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('puts calls made in the same tick into one write', async () => {
    const { batches, write, finishNext } = controlledWrite();
    const add = groupCommit(write, { name: 'test' });
    const answers = Promise.all([add(1), add(2)]);
    await finishNext();
    expect(await answers).toEqual([10, 20]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('rejects only the caller whose item failed', async () => {
    const { write, finishNext } = controlledWrite();
    const add = groupCommit(write, { name: 'test' });
    const answers = Promise.allSettled([add(1), add(-2), add(3)]);
    await finishNext();
    expect((await answers).map((settled) => settled.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('rejects every caller of a write that threw, and writes the next calls afresh', async () => {
    let fail = true;
    const add = groupCommit(async (items: number[]) => {
      if (fail) throw new Error('connection closed');
      return items;
    }, { name: 'test' });
    const failed = await Promise.allSettled([add(1), add(2)]);
    expect(failed.map((settled) => settled.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await add(3)).toBe(3);
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    const add = groupCommit(async (items: number[]) => {
      sizes.push(items.length);
      return items;
    }, { name: 'test', maxBatch: 4 });
    await Promise.all(Array.from({ length: 10 }, (_, index) => add(index)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('rejects the callers of a round trip that never answers, and sends the next batch', async () => {
    const batches: number[][] = [];
    const add = groupCommit(
      (items: number[]) => {
        batches.push(items);
        // The first round trip is never answered, as a command the driver lost would not be.
        return batches.length === 1 ? new Promise<number[]>(() => undefined) : Promise.resolve(items);
      },
      { name: 'test', giveUpAfterMs: 50 },
    );
    const lost = add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const next = add(2);

    await expect(lost).rejects.toThrow('The database, for the grouped call test, did not answer within 50 ms');
    expect(await next).toBe(2);
    expect(batches).toEqual([[1], [2]]);
  });
});
