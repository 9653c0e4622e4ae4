import { api, query } from '../api.js';
import { badge, h, replace, table } from '../dom.js';
import { describeError, field, formStatus, input, select, toast } from '../forms.js';
import { formatDateTime, formatNumber, localized, t } from '../i18n.js';
import { link, navigate } from '../router.js';
import { canWrite } from '../session.js';

const statuses = ['redeemed', 'fulfilled', 'cancelled', 'released', 'pending', 'failed'];

export function title() {
  return t('redemptions.title');
}

export async function render(view, { query: params }) {
  const code = (params.get('code') ?? '').trim();
  const status = params.get('status') ?? (code ? '' : 'redeemed');
  const codeInput = input({ name: 'code', value: code, autocomplete: 'off', placeholder: 'K7QM2XPR' });
  const statusSelect = select([['', t('redemptions.anyStatus')], ...statuses.map((name) => [name, t(`redemptionStatuses.${name}`)])], { name: 'status', value: status });
  const filters = h(
    'form',
    { class: 'card', role: 'search' },
    formStatus(),
    h(
      'div',
      { class: 'form-row' },
      field(t('redemptions.voucherLookup'), codeInput, { path: 'id', hint: t('redemptions.voucherHint') }),
      field(t('redemptions.status'), statusSelect, { path: 'status' }),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('common.show'))),
    ),
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate(`#/redemptions${query({ code: codeInput.value.trim(), status: codeInput.value.trim() ? '' : statusSelect.value })}`);
  });

  const results = h('section', { class: 'card' });
  replace(view, h('h1', null, t('redemptions.title')), filters, results);
  if (code) {
    try {
      replace(results, redemptionTable([await api.get(`/redemptions/${encodeURIComponent(code)}`)]));
    } catch (error) {
      replace(results, h('p', { class: 'empty' }, error.status === 404 ? t('redemptions.notFound', { code }) : describeError(error)));
    }
    return;
  }
  const page = await api.get(`/redemptions${query({ status, limit: 50, cursor: params.get('cursor') })}`);
  replace(
    results,
    redemptionTable(page.redemptions),
    page.nextCursor ? h('div', { class: 'pager' }, h('a', { class: 'button button-ghost', href: `#/redemptions${query({ status, cursor: page.nextCursor })}` }, t('common.next'))) : null,
  );
}

function redemptionTable(redemptions) {
  return table(
    [
      [t('redemptions.voucher'), (redemption) => h('code', null, redemption.id)],
      [t('redemptions.reward'), (redemption) => localized(redemption.rewardName)],
      [t('redemptions.member'), (redemption) => h('a', { href: link('members', redemption.memberId) }, redemption.memberId)],
      [t('redemptions.cost'), (redemption) => formatNumber(redemption.cost), { numeric: true }],
      [t('redemptions.status'), (redemption) => statusCell(redemption)],
      [t('redemptions.when'), (redemption) => formatDateTime(redemption.createdAt), { nowrap: true }],
      [t('redemptions.actions'), (redemption) => actions(redemption)],
    ],
    redemptions,
    { empty: t('redemptions.none'), caption: t('redemptions.title') },
  );
}

function statusCell(redemption) {
  return h(
    'span',
    { class: 'status-cell' },
    badge(t(`redemptionStatuses.${redemption.status}`), redemption.status),
    redemption.couponCode ? h('span', { class: 'muted' }, ' ', t('redemptions.coupon'), ' ', h('code', null, redemption.couponCode)) : null,
  );
}

function actions(redemption) {
  if (redemption.status !== 'redeemed' || !canWrite('/redemptions')) return '—';
  const cell = h('span', { class: 'button-row' });
  const run = async (action, button) => {
    button.disabled = true;
    try {
      const result = await api.post(`/redemptions/${encodeURIComponent(redemption.id)}/${action}`);
      toast(t(`redemptions.${action}Done`, { code: redemption.id }));
      Object.assign(redemption, result.redemption);
      cell.replaceWith(statusCell(redemption));
      navigate(location.hash);
    } catch (error) {
      toast(describeError(error), 'error');
      button.disabled = false;
    }
  };
  const fulfil = h('button', { type: 'button', class: 'button button-small button-primary' }, t('redemptions.fulfil'));
  fulfil.addEventListener('click', () => run('fulfil', fulfil));
  // Cancelling refunds points: the first click asks, the second does it.
  const cancel = h('button', { type: 'button', class: 'button button-small button-danger-ghost' }, t('redemptions.cancel'));
  cancel.addEventListener('click', () => {
    if (cancel.dataset.armed === 'true') {
      void run('cancel', cancel);
      return;
    }
    cancel.dataset.armed = 'true';
    cancel.textContent = t('redemptions.cancelConfirm');
  });
  return h('span', { class: 'button-row' }, fulfil, cancel);
}
