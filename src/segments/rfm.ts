/** One member's purchases in the RFM window (the last 365 days). */
export interface PurchaseSummary {
  memberId: string;
  lastPurchaseAt: Date;
  purchases: number;
  amount: number;
}

export interface RfmScores {
  recency: number;
  frequency: number;
  monetary: number;
}

export const rfmWindowDays = 365;

/** Members with no purchase in the window: the least engaged on every axis. */
export const noPurchaseScores: RfmScores = { recency: 1, frequency: 1, monetary: 1 };

/**
 * Quintile scores 1–5 among the members who purchased in the window: 5 is the most recent, most
 * frequent, biggest-spending fifth. Equal values get equal scores (the score of their lowest rank),
 * so one purchase each cannot split members into different quintiles by accident.
 */
export function scoreRfm(summaries: PurchaseSummary[], now: Date): Map<string, RfmScores> {
  const daysSince = (summary: PurchaseSummary) => Math.floor((now.getTime() - summary.lastPurchaseAt.getTime()) / 86_400_000);
  // Fewer days since the last purchase is better, so recency ranks the negated value.
  const recency = quintiles(summaries.map((summary) => -daysSince(summary)));
  const frequency = quintiles(summaries.map((summary) => summary.purchases));
  const monetary = quintiles(summaries.map((summary) => summary.amount));
  return new Map(
    summaries.map((summary, index) => [summary.memberId, { recency: recency[index]!, frequency: frequency[index]!, monetary: monetary[index]! }]),
  );
}

/** For each value, 1–5 by the rank of its first occurrence among the values sorted ascending. */
export function quintiles(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const firstRank = new Map<number, number>();
  sorted.forEach((value, rank) => {
    if (!firstRank.has(value)) firstRank.set(value, rank);
  });
  return values.map((value) => Math.floor((firstRank.get(value)! * 5) / sorted.length) + 1);
}
