import { api } from '../api.js';
import { facts, h, replace } from '../dom.js';
import {
  checkbox,
  field,
  formStatus,
  input,
  integerOf,
  progress,
  select,
  showStatus,
  submitting,
  toIsoWithOffset,
  toLocalInput,
  toast,
} from '../forms.js';
import { formatNumber, localized, t } from '../i18n.js';
import { link, navigate } from '../router.js';
import { canWrite } from '../session.js';

// POST /admin/api/rewards/:id/codes takes up to 10,000 codes; bigger files go in chunks with a progress bar.
const codesPerRequest = 5000;

export function title({ params }) {
  return params.id ? t('rewards.edit') : t('rewards.new');
}

export async function render(view, { params }) {
  const existing = params.id ? await api.get(`/rewards/${encodeURIComponent(params.id)}`) : null;
  const tiers = await api.get('/tier-rules').then((rules) => rules.tiers, () => []);
  const editable = canWrite('/rewards');
  replace(
    view,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/rewards' }, t('rewards.title')), ' / ', existing ? existing.id : t('rewards.new')),
    h('h1', null, existing ? localized(existing.name) : t('rewards.new')),
    rewardForm(existing, tiers, editable),
    existing ? stockForm(existing, editable) : null,
    existing ? couponForm(existing, editable) : null,
  );
}

function rewardForm(reward, tiers, editable) {
  const controls = {
    id: input({ name: 'id', placeholder: 'coffee-voucher', pattern: '[a-z0-9-]+', autocomplete: 'off' }),
    nameZh: input({ name: 'name.zh-TW', value: reward?.name['zh-TW'] ?? '', maxlength: '40', lang: 'zh-Hant-TW' }),
    nameEn: input({ name: 'name.en', value: reward?.name.en ?? '', maxlength: '40', lang: 'en' }),
    descriptionZh: h('textarea', { name: 'description.zh-TW', rows: '3', maxlength: '300', lang: 'zh-Hant-TW' }),
    descriptionEn: h('textarea', { name: 'description.en', rows: '3', maxlength: '300', lang: 'en' }),
    cost: input({ type: 'number', name: 'cost', min: '1', step: '1', value: reward?.cost ?? '' }),
    stock: input({ type: 'number', name: 'stock', min: '0', step: '1', value: reward?.stock ?? '' }),
    perMemberLimit: input({ type: 'number', name: 'perMemberLimit', min: '1', step: '1', value: reward?.perMemberLimit ?? '' }),
    minimumTier: select([['', t('rewards.anyTier')], ...tiers.map((tier) => [tier.id, localized(tier.name)])], { value: reward?.minimumTier ?? '' }),
    startsAt: input({ type: 'datetime-local', name: 'startsAt', value: toLocalInput(reward?.startsAt) }),
    endsAt: input({ type: 'datetime-local', name: 'endsAt', value: toLocalInput(reward?.endsAt) }),
    imageUrl: input({ type: 'url', name: 'imageUrl', value: reward?.imageUrl ?? '', placeholder: 'https://…' }),
  };
  controls.descriptionZh.value = reward?.description['zh-TW'] ?? '';
  controls.descriptionEn.value = reward?.description.en ?? '';
  const active = checkbox(t('rewards.activeLabel'), { checked: reward?.active ?? true });

  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-label': t('rewards.details') },
    h('h2', null, t('rewards.details')),
    formStatus(),
    h(
      'fieldset',
      { class: 'form-grid', disabled: !editable },
      reward ? null : field(t('rewards.id'), controls.id, { path: 'id', hint: t('rewards.idHint') }),
      field(t('rewards.nameZh'), controls.nameZh, { path: 'name.zh-TW' }),
      field(t('rewards.nameEn'), controls.nameEn, { path: 'name.en' }),
      field(t('rewards.descriptionZh'), controls.descriptionZh, { path: 'description.zh-TW' }),
      field(t('rewards.descriptionEn'), controls.descriptionEn, { path: 'description.en' }),
      field(t('rewards.cost'), controls.cost, { path: 'cost', hint: t('rewards.costHint') }),
      reward ? null : field(t('rewards.stock'), controls.stock, { path: 'stock', hint: t('rewards.stockHint') }),
      field(t('rewards.perMemberLimit'), controls.perMemberLimit, { path: 'perMemberLimit', hint: t('rewards.perMemberLimitHint') }),
      field(t('rewards.minimumTier'), controls.minimumTier, { path: 'minimumTier' }),
      field(t('rewards.startsAt'), controls.startsAt, { path: 'startsAt' }),
      field(t('rewards.endsAt'), controls.endsAt, { path: 'endsAt' }),
      field(t('rewards.imageUrl'), controls.imageUrl, { path: 'imageUrl', hint: t('rewards.imageUrlHint'), wide: true }),
      h('div', { class: 'field field-wide', dataset: { fieldFor: 'active' } }, active.element),
    ),
    editable ? h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, reward ? t('common.save') : t('rewards.create'))) : null,
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const optionalInteger = (control) => integerOf(control.value) ?? null;
    const body = {
      name: { 'zh-TW': controls.nameZh.value, en: controls.nameEn.value },
      description: { 'zh-TW': controls.descriptionZh.value, en: controls.descriptionEn.value },
      cost: integerOf(controls.cost.value),
      perMemberLimit: optionalInteger(controls.perMemberLimit),
      minimumTier: controls.minimumTier.value || null,
      startsAt: toIsoWithOffset(controls.startsAt.value),
      endsAt: toIsoWithOffset(controls.endsAt.value),
      imageUrl: controls.imageUrl.value.trim() || null,
      active: active.control.checked,
    };
    if (!reward) {
      if (controls.id.value.trim()) body.id = controls.id.value.trim();
      body.stock = optionalInteger(controls.stock);
    }
    const saved = await submitting(form, () => (reward ? api.patch(`/rewards/${encodeURIComponent(reward.id)}`, body) : api.post('/rewards', body)));
    if (!saved) return;
    toast(t(reward ? 'rewards.saved' : 'rewards.created', { name: localized(saved.name) }));
    navigate(reward ? link('rewards', saved.id) : '#/rewards');
  });
  return form;
}

/** Stock moves by a delta (atomic on the server, so a redemption in between is not overwritten) or is set outright. */
function stockForm(reward, editable) {
  const delta = input({ type: 'number', name: 'stockDelta', step: '1' });
  const absolute = input({ type: 'number', name: 'stock', min: '0', step: '1' });
  const current = h('strong', { dataset: { testid: 'stock' } }, reward.stock === null ? t('rewards.unlimited') : formatNumber(reward.stock));
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-label': t('rewards.stockTitle') },
    h('h2', null, t('rewards.stockTitle')),
    h('p', null, t('rewards.stockNow'), ' ', current),
    formStatus(),
    h(
      'fieldset',
      { class: 'form-row', disabled: !editable },
      field(t('rewards.stockDelta'), delta, { path: 'stockDelta', hint: t('rewards.stockDeltaHint') }),
      field(t('rewards.stockSet'), absolute, { path: 'stock', hint: t('rewards.stockSetHint') }),
      editable ? h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, t('rewards.updateStock'))) : null,
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    if (delta.value.trim()) body.stockDelta = integerOf(delta.value);
    if (absolute.value.trim()) body.stock = integerOf(absolute.value);
    const saved = await submitting(form, () => api.patch(`/rewards/${encodeURIComponent(reward.id)}`, body));
    if (!saved) return;
    current.textContent = saved.stock === null ? t('rewards.unlimited') : formatNumber(saved.stock);
    form.reset();
    showStatus(form, 'success', t('rewards.stockUpdated'));
  });
  return form;
}

function couponForm(reward, editable) {
  const file = input({ type: 'file', name: 'codes', accept: '.csv,.txt,text/csv,text/plain' });
  const counts = h('div', null);
  const showCounts = (couponCodes, usesPool) =>
    replace(
      counts,
      facts([
        [t('rewards.poolOn'), usesPool ? t('common.yes') : t('common.no')],
        [t('rewards.poolTotal'), formatNumber(couponCodes?.total ?? 0)],
        [t('rewards.poolAvailable'), formatNumber(couponCodes?.available ?? 0)],
      ]),
    );
  showCounts(reward.couponCodes, reward.usesCouponPool);
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-label': t('rewards.poolTitle') },
    h('h2', null, t('rewards.poolTitle')),
    h('p', { class: 'muted' }, t('rewards.poolIntro')),
    counts,
    formStatus(),
    h(
      'fieldset',
      { class: 'form-row', disabled: !editable },
      field(t('rewards.poolFile'), file, { path: 'codes', hint: t('rewards.poolFileHint'), wide: true }),
      editable ? h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, t('rewards.upload'))) : null,
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) {
      showStatus(form, 'error', t('rewards.poolChooseFile'));
      return;
    }
    const codes = codesFromCsv(await chosen.text());
    if (codes.length === 0) {
      showStatus(form, 'error', t('rewards.poolEmptyFile'));
      return;
    }
    const bar = progress(t('rewards.uploading', { count: formatNumber(codes.length) }));
    form.append(bar.element);
    let added = 0;
    let duplicates = 0;
    const finished = await submitting(form, async () => {
      for (let start = 0; start < codes.length; start += codesPerRequest) {
        const result = await api.post(`/rewards/${encodeURIComponent(reward.id)}/codes`, { codes: codes.slice(start, start + codesPerRequest) });
        added += result.added;
        duplicates += result.duplicates;
        showCounts(result.couponCodes, result.usesCouponPool);
        bar.update(Math.min(1, (start + codesPerRequest) / codes.length));
      }
      return true;
    });
    bar.done();
    if (finished) {
      form.reset();
      showStatus(form, 'success', t('rewards.uploaded', { added: formatNumber(added), duplicates: formatNumber(duplicates) }));
    }
  });
  return form;
}

/** The first column of each line; a header row (a first cell that is not code-like, e.g. "code") is skipped. */
export function codesFromCsv(text) {
  const cells = text
    .split(/\r?\n/)
    .map((line) => line.split(',')[0].trim().replace(/^"(.*)"$/, '$1').trim())
    .filter((cell) => cell !== '');
  if (cells.length > 0 && /^(code|codes|coupon|coupon ?code|優惠碼|序號)$/i.test(cells[0])) cells.shift();
  return cells;
}
