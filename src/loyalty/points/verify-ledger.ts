import type { MemberRepository } from '../members/member-repository';
import { balanceOf } from './ledger';
import type { LedgerRepository } from './ledger-repository';

export interface LedgerProblem {
  memberId: string;
  problem: string;
}

export interface LedgerReport {
  membersChecked: number;
  /** Entries not finished yet: in flight, or left by a crash for a retry or the recovery sweep. */
  pendingEntries: number;
  pointsOutstanding: number;
  problems: LedgerProblem[];
  ok: boolean;
}

/**
 * The invariant (docs/ledger.md): for every member, balance = sum of remaining lots = sum of the
 * applied ledger entries; no lot below zero, no negative balance. Run it when no request is in
 * flight (a pending entry is, by design, not yet on the balance).
 */
export async function verifyLedger(deps: { members: MemberRepository; ledger: LedgerRepository }): Promise<LedgerReport> {
  const totals = await deps.ledger.appliedTotals();
  const pending = await deps.ledger.pendingEntries();
  const problems: LedgerProblem[] = [];
  let membersChecked = 0;
  let pointsOutstanding = 0;
  for await (const member of deps.members.streamBalances()) {
    membersChecked += 1;
    pointsOutstanding += member.points;
    const report = (problem: string) => problems.push({ memberId: member.memberId, problem });
    const lotSum = balanceOf(member.lots);
    if (member.points !== lotSum) report(`balance ${member.points} ≠ remaining lots ${lotSum}`);
    if (member.points < 0) report(`negative balance ${member.points}`);
    for (const lot of member.lots) {
      if (lot.remaining < 0) report(`lot ${lot.key} has ${lot.remaining} remaining`);
      if (lot.remaining > lot.points) report(`lot ${lot.key} has ${lot.remaining} remaining of ${lot.points}`);
    }
    // A pending entry whose marker is on the member is already in its balance, awaiting its last step.
    const onBalanceAwaitingRecovery = member.appliedEntries
      .map((key) => pending.get(key))
      .reduce((sum, entry) => sum + (entry?.memberId === member.memberId ? entry.points : 0), 0);
    const ledgerSum = (totals.get(member.memberId) ?? 0) + onBalanceAwaitingRecovery;
    if (member.points !== ledgerSum) report(`balance ${member.points} ≠ applied ledger entries ${ledgerSum}`);
    totals.delete(member.memberId);
  }
  for (const [memberId, total] of totals) problems.push({ memberId, problem: `ledger entries total ${total} for a member that does not exist` });
  return { membersChecked, pendingEntries: pending.size, pointsOutstanding, problems, ok: problems.length === 0 };
}
