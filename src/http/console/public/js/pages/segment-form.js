import { api } from '../api.js';
import { confirmAction } from '../dialogs.js';
import { badge, h, replace, spinner, table } from '../dom.js';
import { checkbox, clearErrors, field, formStatus, input, integerOf, select, showErrors, submitting, toast } from '../forms.js';
import { formatNumber, localized, t } from '../i18n.js';
import { link, navigate } from '../router.js';
import { canWrite } from '../session.js';
import { tierNamer } from '../tiers.js';

const channels = ['line', 'messenger', 'botframework', 'web'];
const scores = ['recency', 'frequency', 'monetary'];
const previewDelayMs = 350;

export function title({ params }) {
  return params.id ? t('segments.edit') : t('segments.new');
}

export async function render(view, { params }) {
  const [existing, tiers, tierName] = await Promise.all([
    params.id ? api.get(`/segments/${encodeURIComponent(params.id)}`) : null,
    api.get('/tier-rules').then((rules) => rules.tiers, () => []),
    tierNamer(),
  ]);
  const editable = canWrite('/segments');
  const preview = h('section', { class: 'card segment-preview', 'aria-live': 'polite', 'aria-label': t('segments.preview') });
  const form = segmentForm(existing, tiers, editable, preview, tierName);
  replace(
    view,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/segments' }, t('segments.title')), ' / ', existing ? existing.id : t('segments.new')),
    h(
      'div',
      { class: 'page-header' },
      h('h1', null, existing ? existing.name : t('segments.new')),
      existing && canWrite('/broadcasts') ? h('a', { class: 'button', href: `#/broadcasts/new?segment=${encodeURIComponent(existing.id)}` }, t('segments.broadcastTo')) : null,
    ),
    h('div', { class: 'segment-layout' }, form, preview),
  );
  if (existing?.preview) showPreview(preview, existing.preview, tierName);
  else if (editable) form.dispatchEvent(new Event('input'));
}

function segmentForm(segment, tiers, editable, preview, tierName) {
  const definition = segment?.definition ?? {};
  const controls = {
    name: input({ name: 'name', value: segment?.name ?? '', maxlength: '80', required: true }),
    description: h('textarea', { name: 'description', rows: '2', maxlength: '500' }),
    pointsMin: input({ type: 'number', name: 'points.min', min: '0', step: '1', value: definition.points?.min ?? '' }),
    pointsMax: input({ type: 'number', name: 'points.max', min: '0', step: '1', value: definition.points?.max ?? '' }),
    checkInKind: select(
      [
        ['', t('segments.checkIn.any')],
        ['within', t('segments.checkIn.within')],
        ['notWithin', t('segments.checkIn.notWithin')],
      ],
      { name: 'lastCheckIn.kind', value: definition.lastCheckIn?.kind ?? '' },
    ),
    checkInDays: input({ type: 'number', name: 'lastCheckIn.days', min: '1', step: '1', value: definition.lastCheckIn?.days ?? '' }),
    chattedWithinDays: input({ type: 'number', name: 'chattedWithinDays', min: '1', step: '1', value: definition.chattedWithinDays ?? '' }),
  };
  controls.description.value = segment?.description ?? '';
  const tierBoxes = tiers.map((tier) => [tier.id, checkbox(localized(tier.name), { value: tier.id, checked: definition.tiers?.includes(tier.id) ?? false })]);
  const channelBoxes = channels.map((channel) => [channel, checkbox(t(`channels.${channel}`), { value: channel, checked: definition.channels?.includes(channel) ?? false })]);
  const scoreOptions = [1, 2, 3, 4, 5].map((value) => [String(value), String(value)]);
  const rfm = Object.fromEntries(
    scores.map((score) => [
      score,
      {
        min: select(scoreOptions, { value: String(definition.rfm?.[score]?.min ?? 1), 'aria-label': `${t(`segments.rfm.${score}`)} ${t('segments.min')}` }),
        max: select(scoreOptions, { value: String(definition.rfm?.[score]?.max ?? 5), 'aria-label': `${t(`segments.rfm.${score}`)} ${t('segments.max')}` }),
      },
    ]),
  );

  const readDefinition = () => {
    const result = {};
    const chosenTiers = tierBoxes.filter(([, box]) => box.control.checked).map(([id]) => id);
    if (chosenTiers.length > 0) result.tiers = chosenTiers;
    const min = integerOf(controls.pointsMin.value);
    const max = integerOf(controls.pointsMax.value);
    if (min !== undefined || max !== undefined) result.points = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
    if (controls.checkInKind.value) result.lastCheckIn = { kind: controls.checkInKind.value, days: integerOf(controls.checkInDays.value) ?? 7 };
    const chatted = integerOf(controls.chattedWithinDays.value);
    if (chatted !== undefined) result.chattedWithinDays = chatted;
    const chosenChannels = channelBoxes.filter(([, box]) => box.control.checked).map(([id]) => id);
    if (chosenChannels.length > 0) result.channels = chosenChannels;
    const ranges = {};
    for (const score of scores) {
      const range = { min: Number(rfm[score].min.value), max: Number(rfm[score].max.value) };
      if (range.min !== 1 || range.max !== 5) ranges[score] = range;
    }
    if (Object.keys(ranges).length > 0) result.rfm = ranges;
    return result;
  };

  const form = h(
    'form',
    { class: 'card segment-form', novalidate: true, 'aria-label': t('segments.details') },
    formStatus(),
    h(
      'fieldset',
      { disabled: !editable },
      h(
        'div',
        { class: 'form-grid' },
        field(t('segments.name'), controls.name, { path: 'name' }),
        field(t('segments.description'), controls.description, { path: 'description' }),
      ),
      h('h2', null, t('segments.who')),
      h('p', { class: 'hint' }, t('segments.whoHint')),
      h(
        'fieldset',
        { class: 'condition', dataset: { fieldFor: 'definition.tiers' } },
        h('legend', null, t('segments.tiers')),
        tierBoxes.length > 0 ? h('div', { class: 'choice-row' }, tierBoxes.map(([, box]) => box.element)) : h('p', { class: 'hint' }, t('segments.noTiers')),
      ),
      h(
        'div',
        { class: 'form-grid' },
        field(t('segments.pointsMin'), controls.pointsMin, { path: 'definition.points.min' }),
        field(t('segments.pointsMax'), controls.pointsMax, { path: 'definition.points.max' }),
        field(t('segments.lastCheckIn'), controls.checkInKind, { path: 'definition.lastCheckIn.kind' }),
        field(t('segments.checkInDays'), controls.checkInDays, { path: 'definition.lastCheckIn.days', hint: t('segments.checkInDaysHint') }),
        field(t('segments.chattedWithinDays'), controls.chattedWithinDays, { path: 'definition.chattedWithinDays', hint: t('segments.chattedHint') }),
      ),
      h(
        'fieldset',
        { class: 'condition', dataset: { fieldFor: 'definition.channels' } },
        h('legend', null, t('segments.channels')),
        h('div', { class: 'choice-row' }, channelBoxes.map(([, box]) => box.element)),
      ),
      h(
        'fieldset',
        { class: 'condition', dataset: { fieldFor: 'definition.rfm' } },
        h('legend', null, t('segments.rfmTitle')),
        h('p', { class: 'hint' }, t('segments.rfmHint')),
        h(
          'div',
          { class: 'rfm-grid' },
          scores.map((score) =>
            h(
              'div',
              { class: 'rfm-row', dataset: { fieldFor: `definition.rfm.${score}` } },
              h('span', { class: 'rfm-label' }, t(`segments.rfm.${score}`)),
              rfm[score].min,
              h('span', { 'aria-hidden': 'true' }, '–'),
              rfm[score].max,
            ),
          ),
        ),
      ),
    ),
    editable
      ? h(
          'div',
          { class: 'form-actions' },
          h('button', { type: 'submit', class: 'button button-primary' }, segment ? t('common.save') : t('segments.create')),
          segment ? h('button', { type: 'button', class: 'button button-danger-ghost', onclick: () => remove(segment) }, t('segments.delete')) : null,
        )
      : null,
  );

  let timer = null;
  let asked = 0;
  form.addEventListener('input', (event) => {
    if (!editable || event.target === controls.name || event.target === controls.description) return;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const ask = (asked += 1);
      preview.setAttribute('aria-busy', 'true');
      preview.querySelector('.preview-size')?.append(spinner());
      try {
        const result = await api.post('/segments/preview', { definition: readDefinition() });
        if (ask !== asked) return;
        clearErrors(form);
        showPreview(preview, result, tierName);
      } catch (error) {
        if (ask !== asked) return;
        showErrors(form, error);
        replace(preview, h('h2', null, t('segments.preview')), h('p', { class: 'empty' }, t('segments.previewInvalid')));
      } finally {
        if (ask === asked) preview.removeAttribute('aria-busy');
      }
    }, previewDelayMs);
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { name: controls.name.value.trim(), description: controls.description.value.trim(), definition: readDefinition() };
    const saved = await submitting(form, () => (segment ? api.patch(`/segments/${encodeURIComponent(segment.id)}`, body) : api.post('/segments', body)));
    if (!saved) return;
    toast(t(segment ? 'segments.saved' : 'segments.created', { name: saved.name, size: formatNumber(saved.preview?.size) }));
    navigate(link('segments', saved.id));
  });
  return form;
}

async function remove(segment) {
  const sure = await confirmAction({
    title: t('segments.deleteTitle'),
    message: t('segments.deleteMessage', { name: segment.name }),
    confirm: t('segments.delete'),
    cancel: t('common.cancel'),
    danger: true,
  });
  if (!sure) return;
  try {
    await api.delete(`/segments/${encodeURIComponent(segment.id)}`);
    toast(t('segments.deleted', { name: segment.name }));
    navigate('#/segments');
  } catch (error) {
    toast(error.message, 'error');
  }
}

function showPreview(container, result, tierName) {
  replace(
    container,
    h('h2', null, t('segments.preview')),
    h('p', { class: 'preview-size', dataset: { size: String(result.size) } }, t('segments.size', { count: formatNumber(result.size) })),
    result.demoMembers > 0 ? h('p', { class: 'hint' }, t('segments.demoMembers', { count: formatNumber(result.demoMembers) })) : null,
    h('p', { class: 'hint' }, t('segments.marketingWithdrawnLeftOut')),
    h('h3', null, t('segments.sample')),
    table(
      [
        [t('members.name'), (member) => h('a', { href: link('members', member.memberId) }, member.name || member.memberId)],
        [t('members.tier'), (member) => badge(tierName(member.tier), 'tier')],
        [t('members.points'), (member) => formatNumber(member.points), { numeric: true }],
        [t('segments.rfmShort'), (member) => `${member.rfm.recency}·${member.rfm.frequency}·${member.rfm.monetary}`, { nowrap: true }],
      ],
      result.sample,
      { empty: t('segments.sampleEmpty'), caption: t('segments.sample') },
    ),
  );
}
