import { api, query } from '../api.js';
import { badge, h, replace, table } from '../dom.js';
import { formatDateTime, formatNumber, localized, t } from '../i18n.js';
import { link } from '../router.js';
import { canWrite } from '../session.js';
import { tierNamer } from '../tiers.js';

export function title() {
  return t('rewards.title');
}

export async function render(view, { query: params }) {
  const cursor = params.get('after');
  const [page, tierName] = await Promise.all([api.get(`/rewards${query({ limit: 50, cursor })}`), tierNamer()]);
  replace(
    view,
    h(
      'div',
      { class: 'page-header' },
      h('h1', null, t('rewards.title')),
      canWrite('/rewards') ? h('a', { class: 'button button-primary', href: '#/rewards/new' }, t('rewards.new')) : null,
    ),
    h(
      'section',
      { class: 'card' },
      table(
        [
          [t('rewards.name'), (reward) => h('a', { href: link('rewards', reward.id) }, localized(reward.name))],
          [t('rewards.cost'), (reward) => formatNumber(reward.cost), { numeric: true }],
          [t('rewards.stock'), (reward) => (reward.stock === null ? t('rewards.unlimited') : formatNumber(reward.stock)), { numeric: true }],
          [t('rewards.window'), (reward) => windowOf(reward)],
          [t('rewards.state'), (reward) => stateOf(reward, tierName)],
        ],
        page.rewards,
        { empty: t('rewards.none'), caption: t('rewards.title') },
      ),
      h(
        'div',
        { class: 'pager' },
        cursor ? h('a', { class: 'button button-ghost', href: '#/rewards' }, t('common.first')) : null,
        page.nextCursor ? h('a', { class: 'button button-ghost', href: `#/rewards${query({ after: page.nextCursor })}` }, t('common.next')) : null,
      ),
    ),
  );
}

function windowOf(reward) {
  if (!reward.startsAt && !reward.endsAt) return t('rewards.always');
  return `${reward.startsAt ? formatDateTime(reward.startsAt) : '…'} – ${reward.endsAt ? formatDateTime(reward.endsAt) : '…'}`;
}

function stateOf(reward, tierName) {
  return [
    reward.active ? badge(t('rewards.active'), 'success') : badge(t('rewards.inactive'), 'neutral'),
    reward.usesCouponPool ? badge(t('rewards.couponPool'), 'info') : null,
    reward.minimumTier ? badge(t('rewards.minimumTierShort', { tier: tierName(reward.minimumTier) }), 'tier') : null,
  ];
}
