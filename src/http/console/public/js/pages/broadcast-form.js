import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { field, formStatus, input, select, submitting, toIsoWithOffset, toast } from '../forms.js';
import { t } from '../i18n.js';
import { link, navigate } from '../router.js';

export function title() {
  return t('broadcasts.new');
}

/** A draft (or a scheduled broadcast): its cost is shown on the next page, before anything is sent. */
export async function render(view, { query: params }) {
  const { segments } = await api.get('/segments');
  const controls = {
    name: input({ name: 'name', maxlength: '80', placeholder: t('broadcasts.namePlaceholder') }),
    segment: select([['', t('broadcasts.chooseSegment')], ...segments.map((segment) => [segment.id, segment.name])], { name: 'segmentId', value: params.get('segment') ?? '' }),
    textZh: h('textarea', { name: 'message.zh-TW', rows: '4', maxlength: '2000', lang: 'zh-Hant-TW' }),
    textEn: h('textarea', { name: 'message.en', rows: '4', maxlength: '2000', lang: 'en' }),
    scheduledAt: input({ type: 'datetime-local', name: 'scheduledAt' }),
  };
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-label': t('broadcasts.new') },
    formStatus(),
    h(
      'div',
      { class: 'form-grid' },
      field(t('broadcasts.name'), controls.name, { path: 'name', hint: t('broadcasts.nameHint') }),
      field(t('broadcasts.segment'), controls.segment, {
        path: 'segmentId',
        hint: segments.length === 0 ? t('broadcasts.noSegments') : t('broadcasts.segmentHint'),
      }),
    ),
    h(
      'div',
      { class: 'form-grid', dataset: { fieldFor: 'message' } },
      field(t('broadcasts.textZh'), controls.textZh, { path: 'message.zh-TW' }),
      field(t('broadcasts.textEn'), controls.textEn, { path: 'message.en' }),
    ),
    h('p', { class: 'hint' }, t('broadcasts.textHint', { flows: t('nav.flows') })),
    h('div', { class: 'form-grid' }, field(t('broadcasts.scheduledAt'), controls.scheduledAt, { path: 'scheduledAt', hint: t('broadcasts.scheduledAtHint') })),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('broadcasts.createDraft'))),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = {};
    if (controls.textZh.value.trim()) message['zh-TW'] = controls.textZh.value.trim();
    if (controls.textEn.value.trim()) message.en = controls.textEn.value.trim();
    const body = {
      ...(controls.name.value.trim() ? { name: controls.name.value.trim() } : {}),
      segmentId: controls.segment.value,
      message,
      ...(controls.scheduledAt.value ? { scheduledAt: toIsoWithOffset(controls.scheduledAt.value) } : {}),
    };
    const created = await submitting(form, () => api.post('/broadcasts', body));
    if (!created) return;
    toast(t('broadcasts.created', { name: created.name }));
    navigate(link('broadcasts', created.id));
  });
  replace(view, h('p', { class: 'breadcrumb' }, h('a', { href: '#/broadcasts' }, t('broadcasts.title')), ' / ', t('broadcasts.new')), h('h1', null, t('broadcasts.new')), form);
}
