import type { Locale } from '../../conversation/flow-schema';

export interface Reward {
  id: string;
  name: Record<Locale, string>;
  description: Record<Locale, string>;
  imageUrl: string | null;
  cost: number;
  /** null: unlimited. */
  stock: number | null;
  active: boolean;
}
