import { api } from '../api.js';
import { badge, h, replace } from '../dom.js';
import { field, formStatus, input, integerOf, showStatus, submitting, toast } from '../forms.js';
import { formatDateTime, formatNumber, t } from '../i18n.js';
import { canWrite } from '../session.js';

// The API's field names, grouped as a marketer thinks of them.
const groups = [
  ['checkIn', ['checkInPoints', 'checkInStreakDays', 'checkInStreakBonus']],
  ['bonuses', ['signupBonusPoints', 'birthdayBonusPoints', 'referralBonusPoints']],
  ['timing', ['expiryReminderDays', 'redemptionHoldHours']],
];

export function title() {
  return t('programme.title');
}

/**
 * A form over GET/PUT /admin/api/programme. A number equal to its default is sent as null, so the
 * field keeps following its env variable; "Reset to defaults" is POST /admin/api/programme/reset.
 */
export async function render(view) {
  const editable = canWrite('/programme');
  let current = await api.get('/programme');
  const controls = {};
  const sources = {};

  const form = h('form', { class: 'card', novalidate: true, 'aria-label': t('programme.title') });
  const updated = h('p', { class: 'fine-print' });
  const showSources = () => {
    for (const [key, setting] of Object.entries(current.settings)) {
      replace(
        sources[key],
        setting.source === 'console' ? badge(t('programme.fromConsole'), 'info') : badge(t('programme.fromDefault')),
        ' ',
        setting.source === 'console'
          ? t('programme.defaultIs', { value: formatNumber(setting.default), env: setting.env })
          : t('programme.envIs', { env: setting.env }),
      );
    }
    replace(updated, current.updatedAt ? t('programme.updated', { when: formatDateTime(current.updatedAt), who: current.updatedBy }) : t('programme.neverChanged'));
  };

  const fieldset = h(
    'fieldset',
    { disabled: !editable },
    groups.map(([group, keys]) =>
      h(
        'section',
        { class: 'programme-group', 'aria-labelledby': `programme-${group}` },
        h('h2', { id: `programme-${group}` }, t(`programme.groups.${group}`)),
        h(
          'div',
          { class: 'form-grid' },
          keys.map((key) => {
            const setting = current.settings[key];
            controls[key] = input({ type: 'number', name: key, min: String(setting.min), max: String(setting.max), step: '1', value: setting.value, inputmode: 'numeric' });
            sources[key] = h('span', { class: 'setting-source' });
            const element = field(t(`programme.fields.${key}.label`), controls[key], { path: key, hint: t(`programme.fields.${key}.hint`) });
            element.append(h('p', { class: 'hint' }, sources[key]));
            return element;
          }),
        ),
      ),
    ),
  );

  const resetButton = h('button', { type: 'button', class: 'button button-danger-ghost' }, t('programme.reset'));
  replace(
    form,
    formStatus(),
    fieldset,
    editable
      ? h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('programme.save')), resetButton)
      : h('p', { class: 'muted' }, t('programme.readOnly')),
    updated,
  );
  showSources();

  const fill = (next) => {
    current = next;
    for (const [key, setting] of Object.entries(next.settings)) controls[key].value = setting.value;
    showSources();
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const change = {};
    for (const [key, control] of Object.entries(controls)) {
      const value = integerOf(control.value);
      change[key] = value === current.settings[key].default ? null : (value ?? null);
    }
    const saved = await submitting(form, () => api.put('/programme', change));
    if (!saved) return;
    fill(saved);
    showStatus(form, 'success', t('programme.saved', { seconds: formatNumber(saved.appliesWithinSeconds) }));
    toast(t('programme.savedShort'));
  });

  resetButton.addEventListener('click', async () => {
    if (!window.confirm(t('programme.resetConfirm'))) return;
    const reset = await submitting(form, () => api.post('/programme/reset'));
    if (!reset) return;
    fill(reset);
    showStatus(form, 'success', t('programme.resetDone'));
  });

  replace(
    view,
    h('h1', null, t('programme.title')),
    h(
      'section',
      { class: 'card programme-when' },
      h('h2', null, t('programme.whenTitle')),
      h(
        'ul',
        null,
        h('li', null, t('programme.whenChats', { seconds: formatNumber(current.appliesWithinSeconds) })),
        h('li', null, t('programme.whenPast')),
        h('li', null, t('programme.whenJobs')),
        h('li', null, t('programme.whenWording', { flows: t('nav.flows') })),
      ),
    ),
    form,
  );
}
