import type { Locale } from '../../conversation/flow-schema';
import type { CatalogEntry } from './redemption-policy';
import { numberFormat } from '../../shared/number-format';

/** Quick replies allow 13 buttons (LINE); one stays for the menu. */
export const maxCatalogButtons = 12;

const words = {
  'zh-TW': {
    points: (cost: string) => `${cost} 點`,
    unlimited: '數量不限',
    left: (stock: string) => `剩 ${stock} 份`,
    soldOut: '已兌換完畢',
    limitReached: '已達兌換上限',
    tierOnly: (tier: string) => `${tier}以上限定`,
    shortBy: (points: string) => `還差 ${points} 點`,
    bullet: '・',
    separator: '｜',
  },
  en: {
    points: (cost: string) => `${cost} points`,
    unlimited: 'unlimited',
    left: (stock: string) => `${stock} left`,
    soldOut: 'sold out',
    limitReached: 'limit reached',
    tierOnly: (tier: string) => `${tier} and up`,
    shortBy: (points: string) => `${points} more points needed`,
    bullet: '• ',
    separator: ' · ',
  },
} satisfies Record<Locale, unknown>;

/** One line per reward: name, cost, stock left, and what stands in the way if anything does. */
export function catalogLine(entry: CatalogEntry, locale: Locale): string {
  const say = words[locale];
  const number = numberFormat(locale);
  const { reward, eligibility } = entry;
  const parts = [reward.name[locale], say.points(number.format(reward.cost))];
  if (eligibility.kind === 'outOfStock') parts.push(say.soldOut);
  else parts.push(reward.stock === null ? say.unlimited : say.left(number.format(reward.stock)));
  if (eligibility.kind === 'tierTooLow') parts.push(say.tierOnly(eligibility.requiredTier.name[locale]));
  if (eligibility.kind === 'overLimit') parts.push(say.limitReached);
  if (eligibility.kind === 'notEnoughPoints') parts.push(say.shortBy(number.format(eligibility.shortBy)));
  return `${say.bullet}${parts.join(say.separator)}`;
}

/**
 * The variables of the `rewards.list` template: the lines, and for button slot n (1…12)
 * `rewardButtonN` (its label) and `rewardIdN` (its `reward=` argument); unused slots stay empty
 * and their buttons are left out.
 */
export function catalogVariables(entries: CatalogEntry[], locale: Locale): Record<string, string> {
  const shown = entries.slice(0, maxCatalogButtons);
  const variables: Record<string, string> = {
    rewardLines: shown.map((entry) => catalogLine(entry, locale)).join('\n'),
    rewardCount: String(shown.length),
  };
  shown.forEach((entry, index) => {
    variables[`rewardButton${index + 1}`] = entry.reward.name[locale];
    variables[`rewardId${index + 1}`] = entry.reward.id;
  });
  return variables;
}
