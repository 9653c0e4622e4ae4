import { api, query } from '../api.js';
import { choose } from '../dialogs.js';
import { badge, h, replace, table } from '../dom.js';
import { field, formStatus, input } from '../forms.js';
import { formatDateTime, t } from '../i18n.js';
import { navigate } from '../router.js';

const pageSize = 50;

export function title() {
  return t('audit.title');
}

/** `#/audit-log?resource=reward:coffee&action=rewards.update&cursor=…`: newest first, 50 a page. */
export async function render(view, { query: params }) {
  const filters = { resource: params.get('resource') ?? '', action: params.get('action') ?? '' };
  const cursor = params.get('cursor');
  const resource = input({ type: 'search', name: 'resource', value: filters.resource, placeholder: 'reward:coffee', autocomplete: 'off' });
  const action = input({ type: 'search', name: 'action', value: filters.action, placeholder: 'rewards.update', autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'card search-form', role: 'search', 'aria-label': t('audit.filters') },
    formStatus(),
    h(
      'div',
      { class: 'form-row' },
      field(t('audit.resource'), resource, { path: 'resource', hint: t('audit.resourceHint') }),
      field(t('audit.action'), action, { path: 'action', hint: t('audit.actionHint') }),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit', class: 'button button-primary' }, t('audit.filter')),
        filters.resource || filters.action ? h('a', { class: 'button button-ghost', href: '#/audit-log' }, t('audit.clear')) : null,
      ),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate(`#/audit-log${query({ resource: resource.value.trim(), action: action.value.trim() })}`);
  });
  const results = h('section', { class: 'card', 'aria-live': 'polite' });
  replace(view, h('h1', null, t('audit.title')), h('p', { class: 'muted page-intro' }, t('audit.intro')), form, results);

  const page = await api.get(`/audit${query({ limit: pageSize, cursor, resource: filters.resource, action: filters.action })}`);
  replace(
    results,
    table(
      [
        [t('audit.when'), (entry) => formatDateTime(entry.at), { nowrap: true }],
        [t('audit.who'), (entry) => [badge(t(`roles.${entry.role}`) === `roles.${entry.role}` ? entry.role : t(`roles.${entry.role}`), `role-${entry.role}`), h('code', null, entry.actor)]],
        [t('audit.action'), (entry) => h('a', { href: `#/audit-log${query({ action: entry.action })}` }, h('code', null, entry.action))],
        [t('audit.resource'), (entry) => h('a', { href: `#/audit-log${query({ resource: entry.resource })}` }, h('code', null, entry.resource))],
        [t('audit.changes'), (entry) => h('button', { type: 'button', class: 'button button-small', onclick: () => showChange(entry) }, t('audit.view', { count: changedPaths(entry).length }))],
      ],
      page.entries,
      { empty: t('audit.none'), caption: t('audit.title') },
    ),
    h(
      'div',
      { class: 'pager' },
      cursor ? h('a', { class: 'button button-ghost', href: `#/audit-log${query(filters)}` }, t('common.first')) : null,
      page.nextCursor ? h('a', { class: 'button button-ghost', href: `#/audit-log${query({ ...filters, cursor: page.nextCursor })}` }, t('common.next')) : null,
    ),
  );
}

/** `{ a: { b: 1 }, c: [2] }` → Map { 'a.b' → '1', 'c.0' → '2' }: leaves as JSON text, so any change of value shows. */
function flatten(value, prefix = '', into = new Map()) {
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into);
  } else if (value !== undefined) {
    into.set(prefix || '(value)', JSON.stringify(value));
  }
  return into;
}

function diffRows(entry) {
  const before = flatten(entry.before);
  const after = flatten(entry.after);
  const paths = [...new Set([...before.keys(), ...after.keys()])];
  return paths.map((path) => {
    const kind = !before.has(path) ? 'added' : !after.has(path) ? 'removed' : before.get(path) === after.get(path) ? 'same' : 'changed';
    return { path, before: before.get(path), after: after.get(path), kind };
  });
}

function changedPaths(entry) {
  return diffRows(entry).filter((row) => row.kind !== 'same');
}

function showChange(entry) {
  const rows = diffRows(entry);
  const changed = rows.filter((row) => row.kind !== 'same');
  const body = h(
    'div',
    { class: 'audit-change' },
    h('p', { class: 'muted' }, `${formatDateTime(entry.at)} · `, h('code', null, entry.actor), ' · ', h('code', null, entry.action), ' · ', h('code', null, entry.resource)),
    h(
      'div',
      { class: 'diff-legend' },
      badge(t('audit.diff.changed'), 'pending'),
      badge(t('audit.diff.added'), 'success'),
      badge(t('audit.diff.removed'), 'failed'),
      h('span', { class: 'hint' }, t('audit.diffSummary', { changed: changed.length, total: rows.length })),
    ),
    h(
      'div',
      { class: 'table-wrap audit-diff-wrap' },
      h(
        'table',
        { class: 'audit-diff' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('audit.field')), h('th', { scope: 'col' }, t('audit.before')), h('th', { scope: 'col' }, t('audit.after')))),
        h(
          'tbody',
          null,
          // Changed fields first: on a big document they are what the reader opened this for.
          [...changed, ...rows.filter((row) => row.kind === 'same')].map((row) =>
            h(
              'tr',
              { class: `diff-${row.kind}`, dataset: { path: row.path } },
              h('th', { scope: 'row' }, h('code', null, row.path)),
              h('td', { class: 'diff-before' }, row.before === undefined ? '—' : h('code', null, row.before)),
              h('td', { class: 'diff-after' }, row.after === undefined ? '—' : h('code', null, row.after)),
            ),
          ),
        ),
      ),
    ),
    h(
      'details',
      { class: 'audit-json' },
      h('summary', null, t('audit.json')),
      h(
        'div',
        { class: 'audit-json-columns' },
        h('div', null, h('h3', null, t('audit.before')), h('pre', null, entry.before === undefined ? '—' : JSON.stringify(entry.before, null, 2))),
        h('div', null, h('h3', null, t('audit.after')), h('pre', null, entry.after === undefined ? '—' : JSON.stringify(entry.after, null, 2))),
      ),
    ),
  );
  void choose({ title: t('audit.changeTitle'), body, choices: [{ value: 'close', label: t('audit.close'), kind: 'primary' }] });
}
