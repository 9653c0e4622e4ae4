import { api } from '../api.js';
import { badge, h, replace, table } from '../dom.js';
import { formatDateTime, formatNumber, t } from '../i18n.js';
import { link } from '../router.js';
import { canWrite } from '../session.js';

export const statusBadgeKind = { draft: 'neutral', scheduled: 'info', sending: 'pending', sent: 'success', stoppedQuota: 'failed', cancelled: 'cancelled' };

export function title() {
  return t('broadcasts.title');
}

export async function render(view) {
  const [{ broadcasts }, { segments }] = await Promise.all([api.get('/broadcasts'), api.get('/segments')]);
  const segmentNames = new Map(segments.map((segment) => [segment.id, segment.name]));
  replace(
    view,
    h(
      'div',
      { class: 'page-header' },
      h('h1', null, t('broadcasts.title')),
      canWrite('/broadcasts') ? h('a', { class: 'button button-primary', href: '#/broadcasts/new' }, t('broadcasts.new')) : null,
    ),
    h('p', { class: 'muted page-intro' }, t('broadcasts.intro')),
    h(
      'section',
      { class: 'card' },
      table(
        [
          [t('broadcasts.name'), (broadcast) => h('a', { href: link('broadcasts', broadcast.id) }, broadcast.name)],
          [t('broadcasts.segment'), (broadcast) => h('a', { href: link('segments', broadcast.segmentId) }, segmentNames.get(broadcast.segmentId) ?? broadcast.segmentId)],
          [t('broadcasts.status'), (broadcast) => badge(t(`broadcasts.statuses.${broadcast.status}`), statusBadgeKind[broadcast.status])],
          [t('broadcasts.recipients'), (broadcast) => (broadcast.recipients === null ? '—' : formatNumber(broadcast.recipients)), { numeric: true }],
          [t('broadcasts.when'), (broadcast) => formatDateTime(broadcast.finishedAt ?? broadcast.startedAt ?? broadcast.scheduledAt ?? broadcast.createdAt), { nowrap: true }],
        ],
        broadcasts,
        { empty: t('broadcasts.none'), caption: t('broadcasts.title') },
      ),
    ),
  );
}
