import { expiryOf, type ExpiryPolicy } from './ledger';
import type { EarnRequest, EarnResult, LedgerRepository, StaleEarn } from './ledger-repository';
import { zoneNamed } from '../../shared/zones';

export interface EarningRules {
  expiry: ExpiryPolicy;
  zone: string;
}

/** An earn without its expiry, which the programme's policy decides. */
export type AwardRequest = Omit<EarnRequest, 'expiresAt'>;
type Deps = { ledger: LedgerRepository; rules: EarningRules };

/** Every way of earning points ends here: a lot with its expiry, on the ledger, once per key. */
export function awardPoints(deps: Deps, request: AwardRequest & { where?: undefined }): Promise<EarnResult>;
export function awardPoints(deps: Deps, request: AwardRequest): Promise<EarnResult | StaleEarn>;
export function awardPoints(deps: Deps, request: AwardRequest): Promise<EarnResult | StaleEarn> {
  return deps.ledger.earn({
    ...request,
    expiresAt: expiryOf(deps.rules.expiry, request.now, deps.rules.zone),
    qualifyingMonth: request.now.setZone(zoneNamed(deps.rules.zone)).toFormat('yyyy-MM'),
  });
}
