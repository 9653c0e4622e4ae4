import { api, query } from '../api.js';
import { h, replace, table } from '../dom.js';
import { field, formStatus, idempotencyKeys, input, integerOf, showStatus, submitting, toIsoWithOffset } from '../forms.js';
import { formatDateTime, formatNumber, t } from '../i18n.js';
import { canWrite } from '../session.js';

export function title() {
  return t('pointCodes.title');
}

export async function render(view, { query: params }) {
  const list = h('section', { class: 'card' });
  const showList = () => renderList(list, params.get('cursor'));
  await showList();
  replace(view, h('h1', null, t('pointCodes.title')), canWrite('/point-codes') ? creationForm(showList) : null, list);
}

async function renderList(list, cursor) {
  const page = await api.get(`/point-codes${query({ limit: 50, cursor })}`);
  const selected = new Set();
  const printButton = h('a', { class: 'button button-ghost', href: '#/point-codes/print', hidden: true }, t('pointCodes.printSelected'));
  const refreshPrintLink = () => {
    printButton.hidden = selected.size === 0;
    printButton.href = `#/point-codes/print${query({ codes: Array.from(selected).join(',') })}`;
    printButton.textContent = t('pointCodes.printSelected', { count: selected.size });
  };
  replace(
    list,
    h('div', { class: 'section-header' }, h('h2', null, t('pointCodes.list')), printButton),
    table(
      [
        [
          h('span', { class: 'visually-hidden' }, t('pointCodes.select')),
          (code) =>
            h('input', {
              type: 'checkbox',
              'aria-label': t('pointCodes.selectCode', { code: code.code }),
              onchange: (event) => {
                if (event.target.checked) selected.add(code.code);
                else selected.delete(code.code);
                refreshPrintLink();
              },
            }),
        ],
        [t('pointCodes.code'), (code) => h('code', null, code.code)],
        [t('pointCodes.points'), (code) => formatNumber(code.points), { numeric: true }],
        [t('pointCodes.uses'), (code) => `${formatNumber(code.uses)} / ${formatNumber(code.maxUses)}`, { numeric: true }],
        [t('pointCodes.store'), (code) => code.storeLabel ?? '—'],
        [t('pointCodes.expiresAt'), (code) => formatDateTime(code.expiresAt), { nowrap: true }],
      ],
      page.codes,
      { empty: t('pointCodes.none'), caption: t('pointCodes.list') },
    ),
    h(
      'div',
      { class: 'pager' },
      cursor ? h('a', { class: 'button button-ghost', href: '#/point-codes' }, t('common.first')) : null,
      page.nextCursor ? h('a', { class: 'button button-ghost', href: `#/point-codes${query({ cursor: page.nextCursor })}` }, t('common.next')) : null,
    ),
  );
}

function creationForm(onCreated) {
  const controls = {
    points: input({ type: 'number', name: 'points', min: '1', step: '1', required: true }),
    count: input({ type: 'number', name: 'count', min: '1', max: '1000', step: '1', value: '1' }),
    maxUses: input({ type: 'number', name: 'maxUses', min: '1', step: '1', required: true }),
    perMemberLimit: input({ type: 'number', name: 'perMemberLimit', min: '1', step: '1', value: '1' }),
    startsAt: input({ type: 'datetime-local', name: 'startsAt' }),
    expiresAt: input({ type: 'datetime-local', name: 'expiresAt', required: true }),
    storeLabel: input({ name: 'storeLabel', maxlength: '40', placeholder: t('pointCodes.storePlaceholder') }),
  };
  const result = h('div', null);
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-label': t('pointCodes.create') },
    h('h2', null, t('pointCodes.create')),
    h('p', { class: 'muted' }, t('pointCodes.intro')),
    formStatus(),
    h(
      'div',
      { class: 'form-grid' },
      field(t('pointCodes.points'), controls.points, { path: 'points', hint: t('pointCodes.pointsHint') }),
      field(t('pointCodes.count'), controls.count, { path: 'count', hint: t('pointCodes.countHint') }),
      field(t('pointCodes.maxUses'), controls.maxUses, { path: 'maxUses', hint: t('pointCodes.maxUsesHint') }),
      field(t('pointCodes.perMemberLimit'), controls.perMemberLimit, { path: 'perMemberLimit' }),
      field(t('pointCodes.startsAt'), controls.startsAt, { path: 'startsAt', hint: t('pointCodes.startsAtHint') }),
      field(t('pointCodes.expiresAt'), controls.expiresAt, { path: 'expiresAt' }),
      field(t('pointCodes.store'), controls.storeLabel, { path: 'storeLabel' }),
    ),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('pointCodes.createButton'))),
    result,
  );
  const keys = idempotencyKeys(form, 'console-codes');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      points: integerOf(controls.points.value),
      maxUses: integerOf(controls.maxUses.value),
      perMemberLimit: integerOf(controls.perMemberLimit.value),
      count: integerOf(controls.count.value),
      expiresAt: toIsoWithOffset(controls.expiresAt.value) ?? undefined,
      startsAt: toIsoWithOffset(controls.startsAt.value) ?? undefined,
      storeLabel: controls.storeLabel.value.trim() || undefined,
      idempotencyKey: keys.current(),
    };
    const created = await submitting(form, () => api.post('/point-codes', body));
    if (!created) return;
    keys.used();
    void onCreated();
    const codes = created.codes.map((code) => code.code);
    showStatus(form, 'success', t('pointCodes.created', { count: codes.length }));
    replace(
      result,
      h(
        'div',
        { class: 'created-codes' },
        h('ul', { class: 'code-list' }, codes.map((code) => h('li', null, h('code', null, code)))),
        h('a', { class: 'button button-primary', href: `#/point-codes/print${query({ codes: codes.join(',') })}` }, t('pointCodes.printBatch')),
      ),
    );
  });
  return form;
}
