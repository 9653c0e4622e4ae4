import { DateTime } from 'luxon';
import type { Locale } from '../../conversation/flow-schema';
import type { LedgerEntry, LedgerReason } from './ledger';
import { numberFormat } from '../../shared/number-format';
import { zoneNamed } from '../../shared/zones';

const reasonWords: Record<LedgerReason, Record<Locale, string>> = {
  checkin: { 'zh-TW': '每日簽到', en: 'check-in' },
  signupBonus: { 'zh-TW': '入會禮', en: 'welcome bonus' },
  birthdayBonus: { 'zh-TW': '生日禮', en: 'birthday bonus' },
  pointCode: { 'zh-TW': '門市集點', en: 'points code' },
  mission: { 'zh-TW': '任務完成', en: 'mission' },
  referralBonus: { 'zh-TW': '推薦好友', en: 'friend referral' },
  adjustment: { 'zh-TW': '點數調整', en: 'adjustment' },
  redemption: { 'zh-TW': '兌換', en: 'redeemed' },
  refund: { 'zh-TW': '退還', en: 'refund' },
  expiry: { 'zh-TW': '點數到期', en: 'expired' },
  erasure: { 'zh-TW': '刪除帳號', en: 'account deleted' },
};

/** Ledger entries in plain words, newest first: "11/23 +10 check-in", "11/24 -100 Coffee voucher". */
export function historyLines(entries: LedgerEntry[], locale: Locale, zone: string): string[] {
  const number = numberFormat(locale, { signDisplay: 'always' });
  return entries.map((entry) => {
    const day = DateTime.fromJSDate(entry.createdAt).setZone(zoneNamed(zone)).toFormat('MM/dd');
    const words = entry.note ? `${reasonWords[entry.reason][locale]}・${entry.note}` : reasonWords[entry.reason][locale];
    return `${day} ${number.format(entry.points)} ${words}`;
  });
}
