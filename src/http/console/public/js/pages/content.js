import { api } from '../api.js';
import { badge, h, replace, table } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { link } from '../router.js';

export function title() {
  return t('content.title');
}

/** GET /admin/api/templates and /flows: what is live and which have a draft waiting. */
export async function render(view) {
  const [{ templates }, { flows }] = await Promise.all([api.get('/templates'), api.get('/flows')]);
  replace(
    view,
    h('h1', null, t('content.title')),
    h('p', { class: 'muted' }, t('content.intro')),
    section('templates', 'template', templates),
    section('flows', 'flow', flows),
  );
}

function section(name, kind, resources) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': `content-${name}` },
    h('h2', { id: `content-${name}` }, t(`content.${name}`)),
    h('p', { class: 'hint' }, t(`content.${name}Hint`)),
    table(
      [
        [t('content.name'), (resource) => h('a', { href: link('flows', kind, resource.id) }, h('code', null, resource.id))],
        [t('content.live'), (resource) => liveLabel(resource.live)],
        [t('content.draft'), (resource) => (resource.draft ? [badge(t('content.draftWaiting'), 'pending'), ' ', h('span', { class: 'muted' }, formatDateTime(resource.draft.savedAt))] : '—')],
      ],
      resources,
      { empty: t('content.none'), caption: t(`content.${name}`) },
    ),
  );
}

/** "v3 · rollback · 24 Nov 2026" or "shipped file". */
export function liveLabel(live) {
  if (!live) return '—';
  return [
    badge(`v${live.version}`, 'success'),
    ' ',
    t(`content.sources.${live.source}`),
    live.publishedAt ? h('span', { class: 'muted' }, ` · ${formatDateTime(live.publishedAt)}`) : null,
  ];
}
