import type { DateTime } from 'luxon';
import type { TierOutlook } from '../../loyalty/tiers/tier-outlook';
import type { TierRules } from '../../loyalty/tiers/tier-rules';
import type { ActionContext } from '../action-module';
import type { Variables } from '../flow-engine';
import type { Locale } from '../flow-schema';
import { numberFormat } from '../../shared/number-format';

/** The phrase templates this file composes messages from; flow-validation requires them. */
export const tierPhraseTemplates = [
  'tier.keep.for-good',
  'tier.keep.secure-until',
  'tier.keep.earn-to-keep',
  'tier.keep.grace-until',
  'tier.next.earn-by',
  'tier.next.earn',
  'tier.next.qualified',
  'tier.basis.rolling-12-months',
  'tier.basis.calendar-year',
  'tier.basis.lifetime',
  'tier.downgrade.never',
  'tier.downgrade.one-tier-at-a-time',
  'tier.downgrade.to-qualified-tier',
  'tier.grace',
  'tier.line.first',
  'tier.line',
  'tier.benefit.multiplier',
  'tier.you',
] as const;

type Phrase = ActionContext['phrase'];

const basisPhrase: Record<TierRules['basis'], (typeof tierPhraseTemplates)[number]> = {
  rolling12Months: 'tier.basis.rolling-12-months',
  calendarYear: 'tier.basis.calendar-year',
  lifetime: 'tier.basis.lifetime',
};
const downgradePhrase: Record<TierRules['downgrade']['mode'], (typeof tierPhraseTemplates)[number]> = {
  never: 'tier.downgrade.never',
  oneTierAtATime: 'tier.downgrade.one-tier-at-a-time',
  toQualifiedTier: 'tier.downgrade.to-qualified-tier',
};

/** "30 Nov" / "11月30日", with the year when it is not this year's. */
export function loyaltyDay(day: DateTime, locale: Locale, now: DateTime): string {
  const sameYear = day.year === now.setZone(day.zone).year;
  return day.setLocale(locale === 'en' ? 'en-GB' : 'zh-TW').toLocaleString({
    day: 'numeric',
    month: locale === 'en' ? 'short' : 'long',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
}

/** The card's two tier lines: what keeps the current tier, and what the next one takes. */
export function tierCardVariables(outlook: TierOutlook, locale: Locale, now: DateTime, phrase: Phrase): Variables {
  const number = numberFormat(locale);
  const date = (day: DateTime) => loyaltyDay(day, locale, now);
  const tierName = outlook.current.name[locale];
  const keep = outlook.keep;
  const keepLine = (() => {
    switch (keep.kind) {
      case 'lowestTier':
        return '';
      case 'forGood':
        return phrase('tier.keep.for-good', { tierName });
      case 'secureUntil':
        return phrase('tier.keep.secure-until', { tierName, date: date(keep.until) });
      case 'earnToKeep':
        return phrase('tier.keep.earn-to-keep', { tierName, points: number.format(keep.points), date: date(keep.by) });
      case 'graceUntil':
        return phrase('tier.keep.grace-until', { tierName, points: number.format(keep.points), date: date(keep.until) });
    }
  })();
  const next = outlook.next;
  const nextTierName = next?.tier.name[locale] ?? '';
  const nextLine =
    next === null
      ? ''
      : next.points === 0
        ? phrase('tier.next.qualified', { nextTierName })
        : next.by === null
          ? phrase('tier.next.earn', { nextTierName, points: number.format(next.points) })
          : phrase('tier.next.earn-by', { nextTierName, points: number.format(next.points), date: date(next.by) });
  return {
    tierName,
    keepLine,
    nextTierLine: nextLine,
    nextTierName,
    pointsToNextTier: next === null ? '' : number.format(next.points),
    tierProgress: next === null ? '' : outlook.progress.toFixed(3),
    qualifyingPoints: number.format(outlook.qualifyingPoints),
  };
}

/** The `tier` intent's explanation of the published rules, one sentence per rule. */
export function tierRulesExplanation(rules: TierRules, locale: Locale, phrase: Phrase, member: TierOutlook | null): Variables {
  const number = numberFormat(locale);
  const tierLines = rules.tiers.map((tier, index) => {
    const benefit = tier.earnMultiplier > 1 ? phrase('tier.benefit.multiplier', { multiplier: String(tier.earnMultiplier) }) : '';
    const tierName = tier.name[locale];
    if (index === 0) return phrase('tier.line.first', { tierName, benefit });
    return phrase('tier.line', {
      tierName,
      benefit,
      entry: number.format(tier.entryThreshold),
      retain: number.format(tier.retainThreshold),
    });
  });
  const graceDays = rules.downgrade.graceDays;
  return {
    basis: phrase(basisPhrase[rules.basis], {}),
    tierLines: tierLines.join('\n'),
    downgrade: [
      phrase(downgradePhrase[rules.downgrade.mode], {}),
      rules.downgrade.mode !== 'never' && graceDays > 0 ? phrase('tier.grace', { graceDays: String(graceDays) }) : '',
    ]
      .filter((line) => line !== '')
      .join(' '),
    you:
      member === null
        ? ''
        : phrase('tier.you', { tierName: member.current.name[locale], qualifyingPoints: number.format(member.qualifyingPoints) }),
  };
}
