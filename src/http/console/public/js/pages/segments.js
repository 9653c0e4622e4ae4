import { api } from '../api.js';
import { badge, h, replace, table } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { link } from '../router.js';
import { definitionSummary } from '../segment-definition.js';
import { canWrite } from '../session.js';
import { tierNamer } from '../tiers.js';

export function title() {
  return t('segments.title');
}

export async function render(view) {
  const [{ segments }, tierName] = await Promise.all([api.get('/segments'), tierNamer()]);
  replace(
    view,
    h(
      'div',
      { class: 'page-header' },
      h('h1', null, t('segments.title')),
      canWrite('/segments') ? h('a', { class: 'button button-primary', href: '#/segments/new' }, t('segments.new')) : null,
    ),
    h('p', { class: 'muted page-intro' }, t('segments.intro')),
    h(
      'section',
      { class: 'card' },
      table(
        [
          [t('segments.name'), (segment) => h('a', { href: link('segments', segment.id) }, segment.name)],
          [t('segments.conditions'), (segment) => definitionSummary(segment.definition, tierName).map((text) => badge(text, 'info'))],
          [t('segments.description'), (segment) => segment.description || '—'],
          [t('segments.updated'), (segment) => formatDateTime(segment.updatedAt), { nowrap: true }],
        ],
        segments,
        { empty: t('segments.none'), caption: t('segments.title') },
      ),
    ),
  );
}
