import { api, query } from '../api.js';
import { confirmAction } from '../dialogs.js';
import { badge, facts, h, replace, table } from '../dom.js';
import { clearErrors, field, formStatus, idempotencyKeys, input, integerOf, showErrors, showStatus, submitting, toast } from '../forms.js';
import { formatDateTime, formatNumber, localized, t } from '../i18n.js';
import { canWrite, session } from '../session.js';
import { tierNamer } from '../tiers.js';

export function title() {
  return t('member.title');
}

export async function render(view, { params }) {
  const id = params.id;
  replace(view, h('p', { class: 'muted' }, t('common.loading')));
  const [member, ledger, redemptions, tierHistory, tierName] = await Promise.all([
    api.get(`/members/${encodeURIComponent(id)}`),
    api.get(`/members/${encodeURIComponent(id)}/ledger${query({ limit: 50 })}`),
    api.get(`/redemptions${query({ memberId: id, limit: 20 })}`),
    api.get(`/members/${encodeURIComponent(id)}/tier-history${query({ limit: 20 })}`),
    tierNamer(),
  ]);

  const balance = h('span', { class: 'stat-value', dataset: { testid: 'balance' } }, formatNumber(member.points));
  const ledgerSection = h('section', { class: 'card' });
  const showLedger = (entries) =>
    replace(
      ledgerSection,
      h('h2', null, t('member.ledger')),
      table(
        [
          [t('member.when'), (entry) => formatDateTime(entry.createdAt), { nowrap: true }],
          [t('member.reason'), (entry) => h('span', null, badge(t(`ledgerReasons.${entry.reason}`), entry.kind), ' ', entry.note ?? '')],
          [t('member.points'), (entry) => h('span', { class: entry.points < 0 ? 'negative' : 'positive' }, signed(entry.points)), { numeric: true }],
          [t('member.expires'), (entry) => (entry.expiresAt ? formatDateTime(entry.expiresAt) : '—')],
        ],
        entries,
        { empty: t('member.noLedger'), caption: t('member.ledger') },
      ),
    );
  showLedger(ledger.entries);

  const promotionsFact = h('span', null, promotionsStatus(member));
  let promotionsCard = promotionsControl(member, onPromotionsChanged);
  let consentsCard = consentsSection(member.consents ?? []);
  async function onPromotionsChanged() {
    const changed = await api.get(`/members/${encodeURIComponent(id)}`);
    replace(promotionsFact, promotionsStatus(changed));
    promotionsCard = swap(promotionsCard, promotionsControl(changed, onPromotionsChanged));
    consentsCard = swap(consentsCard, consentsSection(changed.consents ?? []));
  }

  replace(
    view,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/members' }, t('members.title')), ' / ', member.id),
    h('h1', null, member.name || member.id),
    h(
      'div',
      { class: 'stats' },
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, t('member.balance')), balance),
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, t('member.tier')), h('span', { class: 'stat-value' }, tierName(member.tier))),
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, t('member.earnedTotal')), h('span', { class: 'stat-value' }, formatNumber(member.earnedTotal))),
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, t('member.streak')), h('span', { class: 'stat-value' }, formatNumber(member.checkIn?.streak ?? 0))),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { class: 'card' },
        h('h2', null, t('member.profile')),
        facts([
          [t('member.id'), member.id],
          [t('members.mobile'), member.mobile],
          [t('member.birthday'), member.birthday],
          [t('member.locale'), member.locale],
          [t('member.joined'), formatDateTime(member.createdAt)],
          [t('member.lastCheckIn'), member.checkIn?.lastDay],
          [t('member.promotions'), promotionsFact],
        ]),
        h('h3', null, t('member.identities')),
        h('ul', { class: 'plain-list' }, (member.identities ?? []).map((identity) => h('li', null, badge(t(`channels.${identity.channel}`)), ' ', h('code', null, identity.channelUserId)))),
      ),
      h(
        'div',
        { class: 'column-stack' },
        canWrite('/members') ? adjustmentForm(member, (result) => {
          balance.textContent = formatNumber(result.balance);
          ledger.entries.unshift(result.entry);
          showLedger(ledger.entries);
        }) : h('section', { class: 'card' }, h('h2', null, t('member.adjust')), h('p', { class: 'muted' }, t('member.adjustNotAllowed'))),
        promotionsCard,
      ),
    ),
    lotsSection(member.lots ?? []),
    ledgerSection,
    h(
      'section',
      { class: 'card' },
      h('h2', null, t('member.redemptions')),
      table(
        [
          [t('redemptions.voucher'), (redemption) => h('a', { href: `#/redemptions${query({ code: redemption.id })}` }, h('code', null, redemption.id))],
          [t('redemptions.reward'), (redemption) => localized(redemption.rewardName)],
          [t('redemptions.status'), (redemption) => badge(t(`redemptionStatuses.${redemption.status}`), redemption.status)],
          [t('redemptions.when'), (redemption) => formatDateTime(redemption.createdAt), { nowrap: true }],
        ],
        redemptions.redemptions,
        { empty: t('member.noRedemptions') },
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', null, t('member.tierHistory')),
      table(
        [
          [t('member.when'), (change) => formatDateTime(change.at), { nowrap: true }],
          [t('member.tierChange'), (change) => `${tierName(change.from)} → ${tierName(change.to)}`],
          [t('member.tierReason'), (change) => t(`tierReasons.${change.reason}`)],
          [t('member.qualifyingPoints'), (change) => formatNumber(change.qualifyingPoints), { numeric: true }],
        ],
        tierHistory.changes,
        { empty: t('member.noTierHistory'), caption: t('member.tierHistory') },
      ),
    ),
    consentsCard,
  );
}

function swap(shown, next) {
  shown.replaceWith(next);
  return next;
}

/** Whether broadcasts reach the member (the API decides: the latest marketing record), since when and through which channel. */
function promotionsStatus(member) {
  const choice = member.marketingChoice;
  const receives = member.mayReceiveMarketing !== false;
  return h(
    'span',
    { dataset: { testid: 'promotions' } },
    receives ? badge(t('member.receivesPromotions'), 'success') : badge(t('member.stoppedPromotions'), 'pending'),
    ' ',
    choice?.at ? t('member.choiceSince', { at: formatDateTime(choice.at), channel: consentChannelLabel(choice.channel) }) : receives ? t('member.sinceJoining') : null,
  );
}

// Consent records that did not come through a chat channel: a CRM import, or staff on the member's behalf.
const recordedOffChat = ['import', 'staff'];

function consentChannelLabel(channel) {
  if (!channel) return '—';
  return recordedOffChat.includes(channel) ? t(`member.consentChannels.${channel}`) : t(`channels.${channel}`);
}

/**
 * Staff record what a member told them (a phone call, at the store): stopping promotions is open to
 * marketers, resuming them on someone's behalf to admins (the API enforces both).
 */
function promotionsControl(member, onChanged) {
  if (!canWrite('/members/:id/marketing')) return null;
  const withdrawing = member.mayReceiveMarketing !== false;
  const heading = h('h2', { id: 'promotions-heading' }, t('member.promotionsChange'));
  if (!withdrawing && session()?.role !== 'admin') {
    return h('section', { class: 'card', 'aria-labelledby': 'promotions-heading' }, heading, h('p', { class: 'muted' }, t('member.resumeAdminOnly')));
  }
  const reason = input({ name: 'reason', maxlength: '200', required: true, placeholder: t('member.promotionsReasonPlaceholder') });
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-labelledby': 'promotions-heading' },
    heading,
    formStatus(),
    h('p', { class: 'muted' }, t('member.promotionsChangeIntro')),
    field(t('member.promotionsReason'), reason, { path: 'reason', hint: t('member.promotionsReasonHint') }),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: ['button', withdrawing ? 'button-danger' : 'button-primary'] }, t(withdrawing ? 'member.stopPromotions' : 'member.resumePromotions')),
    ),
  );
  const name = member.name || member.id;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (reason.value.trim() === '') {
      showErrors(form, { details: [{ path: 'reason', message: t('member.promotionsReasonMissing') }] });
      return;
    }
    const sure = await confirmAction({
      title: t(withdrawing ? 'member.confirmStopTitle' : 'member.confirmResumeTitle', { name }),
      message: t(withdrawing ? 'member.confirmStopMessage' : 'member.confirmResumeMessage', { name }),
      confirm: t(withdrawing ? 'member.stopPromotions' : 'member.resumePromotions'),
      cancel: t('common.cancel'),
      danger: withdrawing,
    });
    if (!sure) return;
    const result = await submitting(form, () => api.put(`/members/${encodeURIComponent(member.id)}/marketing`, { status: withdrawing ? 'withdrawn' : 'given', reason: reason.value }));
    if (!result) return;
    toast(result.recorded ? t(withdrawing ? 'member.promotionsStopped' : 'member.promotionsResumed', { name }) : t('member.promotionsUnchanged'));
    await onChanged();
  });
  return form;
}

function consentsSection(consents) {
  return h(
    'section',
    { class: 'card' },
    h('h2', null, t('member.consents')),
    h('p', { class: 'hint' }, t('member.promotionsHint')),
    table(
      [
        // What and which way first: on a phone the table scrolls sideways for the rest.
        [t('member.consentKind'), (consent) => t(`member.consentKinds.${consent.kind}`), { nowrap: true }],
        [t('member.consentStatus'), (consent) => badge(t(`member.consentStatuses.${consent.status}`), consent.status === 'given' ? 'success' : 'pending')],
        [t('member.when'), (consent) => formatDateTime(consent.at), { nowrap: true }],
        [t('member.consentVersion'), (consent) => h('code', null, consent.version)],
        [t('member.consentChannel'), (consent) => consentChannelLabel(consent.channel), { nowrap: true }],
      ],
      // Newest first, as the ledger and the tier history read.
      [...consents].reverse(),
      { empty: t('member.noConsents'), caption: t('member.consents') },
    ),
  );
}

function adjustmentForm(member, onAdjusted) {
  const points = input({ type: 'number', name: 'points', step: '1', inputmode: 'numeric', required: true });
  const reason = input({ name: 'reason', maxlength: '200', required: true, placeholder: t('member.reasonPlaceholder') });
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-labelledby': 'adjust-heading' },
    h('h2', { id: 'adjust-heading' }, t('member.adjust')),
    formStatus(),
    field(t('member.adjustPoints'), points, { path: 'points', hint: t('member.adjustPointsHint') }),
    field(t('member.adjustReason'), reason, { path: 'reason', hint: t('member.adjustReasonHint') }),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('member.adjustSubmit'))),
  );
  const keys = idempotencyKeys(form, 'console-adjust');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await submitting(form, () =>
      api.post(`/members/${encodeURIComponent(member.id)}/adjustments`, {
        points: integerOf(points.value),
        reason: reason.value,
        idempotencyKey: keys.current(),
      }),
    );
    if (!result) return;
    keys.used();
    onAdjusted(result);
    form.reset();
    const message = t('member.adjusted', { points: signed(result.entry.points), balance: formatNumber(result.balance) });
    showStatus(form, 'success', message);
    toast(message);
  });
  return form;
}

function lotsSection(lots) {
  const open = lots.filter((lot) => lot.remaining > 0);
  if (open.length === 0) return null;
  return h(
    'section',
    { class: 'card' },
    h('h2', null, t('member.lots')),
    table(
      [
        [t('member.earned'), (lot) => formatDateTime(lot.earnedAt)],
        [t('member.remaining'), (lot) => formatNumber(lot.remaining), { numeric: true }],
        [t('member.expires'), (lot) => (lot.expiresAt ? formatDateTime(lot.expiresAt) : t('member.never'))],
      ],
      open,
    ),
  );
}

function signed(points) {
  return points > 0 ? `+${formatNumber(points)}` : formatNumber(points);
}

