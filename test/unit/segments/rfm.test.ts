import { quintiles, scoreRfm } from '../../../src/segments/rfm';

describe('quintiles', () => {
  it.each([
    [[1, 2, 3, 4, 5], [1, 2, 3, 4, 5]],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]],
    [[5, 5, 5, 5], [1, 1, 1, 1]],
    [[1, 1, 1, 9], [1, 1, 1, 4]],
    [[7], [1]],
  ])('scores %j as %j', (values, scores) => {
    expect(quintiles(values)).toEqual(scores);
  });
});

describe('scoreRfm', () => {
  it('gives 5 to the most recent, most frequent and biggest spender', () => {
    const now = new Date('2026-11-23T00:00:00Z');
    const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
    const scores = scoreRfm(
      [
        { memberId: 'loyal', lastPurchaseAt: daysAgo(1), purchases: 20, amount: 9000 },
        { memberId: 'new', lastPurchaseAt: daysAgo(3), purchases: 1, amount: 300 },
        { memberId: 'lapsed', lastPurchaseAt: daysAgo(200), purchases: 4, amount: 1500 },
        { memberId: 'whale', lastPurchaseAt: daysAgo(40), purchases: 2, amount: 20000 },
        { memberId: 'steady', lastPurchaseAt: daysAgo(10), purchases: 8, amount: 2000 },
      ],
      now,
    );
    expect(scores.get('loyal')).toEqual({ recency: 5, frequency: 5, monetary: 4 });
    expect(scores.get('new')).toEqual({ recency: 4, frequency: 1, monetary: 1 });
    expect(scores.get('lapsed')).toEqual({ recency: 1, frequency: 3, monetary: 2 });
    expect(scores.get('whale')).toEqual({ recency: 2, frequency: 2, monetary: 5 });
  });
});
