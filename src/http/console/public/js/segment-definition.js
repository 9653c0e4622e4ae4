import { formatNumber, t } from './i18n.js';

/** A segment definition as short phrases ("Tier: Gold, Silver", "Checked in within 7 days"); `{}` is everyone. */
export function definitionSummary(definition, tierName) {
  const parts = [];
  if (definition.tiers) parts.push(t('segments.summary.tiers', { tiers: definition.tiers.map(tierName).join(t('segments.summary.separator')) }));
  if (definition.points) {
    const { min, max } = definition.points;
    if (min !== undefined && max !== undefined) parts.push(t('segments.summary.pointsBetween', { min: formatNumber(min), max: formatNumber(max) }));
    else if (min !== undefined) parts.push(t('segments.summary.pointsAtLeast', { min: formatNumber(min) }));
    else if (max !== undefined) parts.push(t('segments.summary.pointsAtMost', { max: formatNumber(max) }));
  }
  if (definition.lastCheckIn) parts.push(t(`segments.summary.checkIn.${definition.lastCheckIn.kind}`, { days: definition.lastCheckIn.days }));
  if (definition.chattedWithinDays) parts.push(t('segments.summary.chatted', { days: definition.chattedWithinDays }));
  if (definition.channels) parts.push(t('segments.summary.channels', { channels: definition.channels.map((channel) => t(`channels.${channel}`)).join(t('segments.summary.separator')) }));
  for (const score of ['recency', 'frequency', 'monetary']) {
    const range = definition.rfm?.[score];
    if (range) parts.push(t('segments.summary.rfm', { score: t(`segments.rfm.${score}`), min: range.min ?? 1, max: range.max ?? 5 }));
  }
  return parts.length > 0 ? parts : [t('segments.summary.everyone')];
}
