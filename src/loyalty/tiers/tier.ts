import type { Locale } from '../../conversation/flow-schema';

export interface Tier {
  id: string;
  name: Record<Locale, string>;
  /** Points earned that qualify a member for this tier. */
  threshold: number;
  order: number;
}
