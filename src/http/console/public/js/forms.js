import { append, h, spinner } from './dom.js';
import { t } from './i18n.js';

let fieldCounter = 0;

/**
 * A labelled input. `path` is the API's name for the value (`name.en`, `tiers.1.entryThreshold`):
 * a 400 whose details name that path shows its message under this field.
 */
export function field(label, control, { path, hint, wide } = {}) {
  const id = control.id || `field-${(fieldCounter += 1)}`;
  control.id = id;
  if (path) control.dataset.path = path;
  const hintElement = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintElement) control.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: ['field', wide && 'field-wide'], dataset: path ? { fieldFor: path } : {} }, h('label', { for: id }, label), control, hintElement);
}

export function input(props = {}) {
  return h('input', { type: 'text', ...props });
}

export function select(options, props = {}) {
  return h(
    'select',
    props,
    options.map(([value, label]) => h('option', { value, selected: String(props.value ?? '') === String(value) }, label)),
  );
}

export function checkbox(label, props = {}) {
  const control = h('input', { type: 'checkbox', ...props });
  return { control, element: h('label', { class: 'checkbox' }, control, h('span', null, label)) };
}

/** The form's alert area for errors that name no field, and for results. */
export function formStatus() {
  return h('div', { class: 'form-status', role: 'alert', hidden: true });
}

export function clearErrors(form) {
  for (const element of form.querySelectorAll('.field-error')) element.remove();
  for (const element of form.querySelectorAll('[aria-invalid]')) element.removeAttribute('aria-invalid');
  const status = form.querySelector('.form-status');
  if (status) {
    status.hidden = true;
    status.replaceChildren();
    status.className = 'form-status';
  }
}

/** Shows an API error: each detail under the field it names (or its nearest named parent), the rest on top. */
export function showErrors(form, error) {
  clearErrors(form);
  const unplaced = [];
  for (const detail of error.details ?? []) {
    const target = findField(form, String(detail.path ?? ''));
    if (!target) {
      unplaced.push(detail.path ? `${detail.path}: ${detail.message}` : detail.message);
      continue;
    }
    const control = target.querySelector('[data-path]');
    control?.setAttribute('aria-invalid', 'true');
    target.append(h('p', { class: 'field-error' }, detail.message));
  }
  const placed = (error.details ?? []).length - unplaced.length;
  const summary = placed > 0 && unplaced.length === 0 ? t('form.fixFields') : describeError(error);
  showStatus(form, 'error', summary, unplaced);
  form.querySelector('[aria-invalid="true"]')?.focus();
}

export function showStatus(form, kind, message, lines = []) {
  const status = form.querySelector('.form-status');
  if (!status) return;
  status.className = `form-status form-status-${kind}`;
  status.replaceChildren(h('p', null, message));
  if (lines.length > 0) status.append(h('ul', null, lines.map((line) => h('li', null, line))));
  status.hidden = false;
}

function findField(form, path) {
  let candidate = path;
  while (candidate) {
    const match = Array.from(form.querySelectorAll('[data-field-for]')).find((element) => element.dataset.fieldFor === candidate);
    if (match) return match;
    candidate = candidate.includes('.') ? candidate.slice(0, candidate.lastIndexOf('.')) : '';
  }
  return null;
}

/** A sentence for an error from api.js: the API's own message, or what to do about the network. */
export function describeError(error) {
  if (error?.code === 'network') return t('errors.network');
  if (error?.status === 401) return t('errors.unauthenticated');
  if (error?.status === 403) return t('errors.forbidden');
  return error?.message ?? String(error);
}

/**
 * Runs a submit: the button is busy and disabled meanwhile (a double click sends once), errors land
 * next to their fields. Returns what `action` returned, or undefined after an error.
 */
export async function submitting(form, action) {
  const button = form.querySelector('button[type="submit"]');
  clearErrors(form);
  const busy = spinner();
  if (button) {
    button.disabled = true;
    button.prepend(busy);
  }
  try {
    return await action();
  } catch (error) {
    showErrors(form, error);
    return undefined;
  } finally {
    busy.remove();
    if (button) button.disabled = false;
  }
}

/**
 * One idempotency key per submission: kept while the same values are retried (a timeout resent is
 * applied once), replaced once the form changes or the submission succeeded.
 */
export function idempotencyKeys(form, prefix) {
  let key = null;
  form.addEventListener('input', () => {
    key = null;
  });
  return {
    current() {
      key ??= `${prefix}-${randomHex(16)}`;
      return key;
    },
    used() {
      key = null;
    },
  };
}

function randomHex(bytes) {
  // getRandomValues works on plain http too (randomUUID needs a secure context, e.g. a LAN address does not qualify).
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** An <input type="datetime-local"> value (the browser's zone) as ISO 8601 with its offset, as the API wants. */
export function toIsoWithOffset(localValue) {
  if (!localValue) return null;
  const date = new Date(localValue);
  if (Number.isNaN(date.getTime())) return localValue;
  const offsetMinutes = -date.getTimezoneOffset();
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const pad = (value) => String(Math.floor(Math.abs(value))).padStart(2, '0');
  const local = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:00`;
  return `${local}${sign}${pad(offsetMinutes / 60)}:${pad(offsetMinutes % 60)}`;
}

/** An ISO instant as a datetime-local value in the browser's zone. */
export function toLocalInput(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  const pad = (value) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A number input's value as an integer, or the text itself so the API names the mistake. */
export function integerOf(value) {
  const trimmed = String(value).trim();
  if (trimmed === '') return undefined;
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** A short-lived notice at the bottom of the screen. */
export function toast(message, kind = 'success') {
  let region = document.getElementById('toasts');
  if (!region) {
    region = h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(region);
  }
  const note = h('div', { class: `toast toast-${kind}` }, message);
  region.append(note);
  setTimeout(() => note.remove(), 5000);
}

/**
 * An indeterminate bar with a running clock, or a determinate one when `update(fraction)` is called;
 * `update(fraction, detail)` also shows the detail ("1,200 / 5,000 members") and the percentage under it.
 */
export function progress(label) {
  const bar = h('div', { class: 'progress-fill' });
  const elapsed = h('span', { class: 'progress-time' }, '0 s');
  const detailText = h('span', { class: 'progress-count' });
  const percentText = h('span', { class: 'progress-percent' });
  const detail = h('div', { class: 'progress-detail', hidden: true }, detailText, percentText);
  const element = h(
    'div',
    { class: 'progress progress-indeterminate', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': '100' },
    h('div', { class: 'progress-label' }, h('span', null, label), elapsed),
    h('div', { class: 'progress-track' }, bar),
    detail,
  );
  const started = Date.now();
  const timer = setInterval(() => {
    elapsed.textContent = `${Math.round((Date.now() - started) / 1000)} s`;
  }, 1000);
  return {
    element,
    update(fraction, detailLine) {
      element.classList.remove('progress-indeterminate');
      // Rounded down: 100 % only once everything is done.
      const percent = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
      bar.style.width = `${percent}%`;
      element.setAttribute('aria-valuenow', String(percent));
      if (detailLine === undefined) return;
      detailText.textContent = detailLine;
      percentText.textContent = `${percent}%`;
      detail.hidden = false;
      element.setAttribute('aria-valuetext', `${detailLine} (${percent}%)`);
    },
    done() {
      clearInterval(timer);
      element.remove();
    },
  };
}

export { append };
