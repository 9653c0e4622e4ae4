import { h, replace } from '../dom.js';
import { t } from '../i18n.js';

// A navigation slot for a page whose API is being built: it names that API and shows no made-up data.
export function title({ route }) {
  return t(`nav.${route.nav}`);
}

export async function render(view, { nav }) {
  replace(
    view,
    h('h1', null, t(`nav.${nav}`)),
    h(
      'section',
      { class: 'card upcoming' },
      h('p', { class: 'nav-tag' }, t('nav.inProgress')),
      h('p', null, t(`upcoming.${nav}.what`)),
      h('p', { class: 'muted' }, t('upcoming.api'), ' ', h('code', null, t(`upcoming.${nav}.api`))),
    ),
  );
}
