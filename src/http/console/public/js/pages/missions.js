import { api, query } from '../api.js';
import { badge, h, replace, table } from '../dom.js';
import { checkbox, field, formStatus, input, integerOf, select, submitting, toIsoWithOffset, toLocalInput, toast } from '../forms.js';
import { formatDateTime, formatNumber, localized, t } from '../i18n.js';
import { navigate } from '../router.js';
import { canWrite } from '../session.js';

// Every goal the server knows (src/loyalty/missions/mission.ts): a kind missing here would be saved as the first one on edit.
const goalKinds = ['checkIns', 'pointCodes', 'redemptions', 'referrals'];

export function title() {
  return t('missions.title');
}

const pageSize = 50;

export async function render(view, { query: params }) {
  const cursor = params.get('after');
  const editId = params.get('edit');
  const page = await api.get(`/missions${query({ limit: pageSize, cursor })}`);
  const items = page.missions;
  // A mission on another page of the list is still editable from its link; one that is gone leaves the create form.
  const editing = editId ? (items.find((mission) => mission.id === editId) ?? (await missionOrNull(editId))) : null;
  const editable = canWrite('/missions');
  replace(
    view,
    h('h1', null, t('missions.title')),
    h(
      'section',
      { class: 'card' },
      table(
        [
          [t('missions.name'), (mission) => localized(mission.name)],
          [t('missions.goal'), (mission) => t(`missions.goals.${mission.goal.kind}`, { target: formatNumber(mission.goal.target) })],
          [t('missions.rewardPoints'), (mission) => formatNumber(mission.rewardPoints), { numeric: true }],
          [t('missions.window'), (mission) => `${formatDateTime(mission.startsAt)} – ${formatDateTime(mission.endsAt)}`],
          [t('missions.state'), (mission) => (mission.active ? badge(t('rewards.active'), 'success') : badge(t('rewards.inactive')))],
          [t('redemptions.actions'), (mission) => (editable ? h('a', { class: 'button button-small button-ghost', href: `#/missions${query({ after: cursor, edit: mission.id })}` }, t('common.edit')) : '—')],
        ],
        items,
        { empty: t('missions.none'), caption: t('missions.title') },
      ),
      h(
        'div',
        { class: 'pager' },
        cursor ? h('a', { class: 'button button-ghost', href: '#/missions' }, t('common.first')) : null,
        page.nextCursor ? h('a', { class: 'button button-ghost', href: `#/missions${query({ after: page.nextCursor })}` }, t('common.next')) : null,
      ),
    ),
    editable ? missionForm(editing) : null,
  );
}

async function missionOrNull(id) {
  try {
    return await api.get(`/missions/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

function missionForm(mission) {
  const controls = {
    id: input({ name: 'id', placeholder: 'december-check-ins', autocomplete: 'off' }),
    nameZh: input({ name: 'name.zh-TW', value: mission?.name['zh-TW'] ?? '', maxlength: '40' }),
    nameEn: input({ name: 'name.en', value: mission?.name.en ?? '', maxlength: '40' }),
    kind: select(goalKinds.map((kind) => [kind, t(`missions.kinds.${kind}`)]), { value: mission?.goal.kind ?? 'checkIns' }),
    target: input({ type: 'number', min: '1', step: '1', value: mission?.goal.target ?? '' }),
    rewardPoints: input({ type: 'number', min: '0', step: '1', value: mission?.rewardPoints ?? '' }),
    startsAt: input({ type: 'datetime-local', value: toLocalInput(mission?.startsAt) }),
    endsAt: input({ type: 'datetime-local', value: toLocalInput(mission?.endsAt) }),
  };
  const active = checkbox(t('missions.activeLabel'), { checked: mission?.active ?? true });
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-label': mission ? t('missions.edit') : t('missions.create') },
    h('h2', null, mission ? t('missions.editNamed', { name: localized(mission.name) }) : t('missions.create')),
    formStatus(),
    h(
      'div',
      { class: 'form-grid' },
      mission ? null : field(t('missions.id'), controls.id, { path: 'id', hint: t('missions.idHint') }),
      field(t('rewards.nameZh'), controls.nameZh, { path: 'name.zh-TW' }),
      field(t('rewards.nameEn'), controls.nameEn, { path: 'name.en' }),
      field(t('missions.goalKind'), controls.kind, { path: 'goal.kind' }),
      field(t('missions.target'), controls.target, { path: 'goal.target' }),
      field(t('missions.rewardPoints'), controls.rewardPoints, { path: 'rewardPoints', hint: t('missions.rewardPointsHint') }),
      field(t('rewards.startsAt'), controls.startsAt, { path: 'startsAt' }),
      field(t('rewards.endsAt'), controls.endsAt, { path: 'endsAt' }),
      h('div', { class: 'field field-wide', dataset: { fieldFor: 'active' } }, active.element),
    ),
    h(
      'div',
      { class: 'form-actions' },
      mission ? h('a', { class: 'button button-ghost', href: '#/missions' }, t('common.cancel')) : null,
      h('button', { type: 'submit', class: 'button button-primary' }, mission ? t('common.save') : t('missions.createButton')),
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      name: { 'zh-TW': controls.nameZh.value, en: controls.nameEn.value },
      goal: { kind: controls.kind.value, target: integerOf(controls.target.value) },
      rewardPoints: integerOf(controls.rewardPoints.value),
      startsAt: toIsoWithOffset(controls.startsAt.value) ?? undefined,
      endsAt: toIsoWithOffset(controls.endsAt.value) ?? undefined,
      active: active.control.checked,
    };
    if (!mission) body.id = controls.id.value.trim();
    const saved = await submitting(form, () => (mission ? api.patch(`/missions/${encodeURIComponent(mission.id)}`, body) : api.post('/missions', body)));
    if (!saved) return;
    toast(t('missions.saved', { name: localized(saved.name) }));
    navigate('#/missions');
  });
  return form;
}
