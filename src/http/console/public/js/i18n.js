import { strings } from './strings.js';

const storageKey = 'console.locale';
const listeners = new Set();
let current = pickLocale();

function pickLocale() {
  const saved = localStorage.getItem(storageKey);
  if (saved && strings[saved]) return saved;
  return navigator.language?.toLowerCase().startsWith('en') ? 'en' : 'zh-TW';
}

export function locale() {
  return current;
}

export function setLocale(next) {
  if (!strings[next] || next === current) return;
  current = next;
  localStorage.setItem(storageKey, next);
  document.documentElement.lang = next === 'zh-TW' ? 'zh-Hant-TW' : 'en';
  for (const listener of listeners) listener(next);
}

export function onLocaleChange(listener) {
  listeners.add(listener);
}

/** t('members.title') or t('rewards.created', { name }); a missing key shows itself, so it is found in review. */
export function t(key, variables = {}) {
  const text = lookup(strings[current], key) ?? lookup(strings.en, key) ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in variables ? String(variables[name]) : match));
}

function lookup(table, key) {
  let value = table;
  for (const part of key.split('.')) value = value?.[part];
  return typeof value === 'string' ? value : undefined;
}

const dateTimeFormats = new Map();
export function formatDateTime(value) {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  if (!dateTimeFormats.has(current)) dateTimeFormats.set(current, new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }));
  return dateTimeFormats.get(current).format(date);
}

export function formatNumber(value) {
  return typeof value === 'number' ? value.toLocaleString(current) : '—';
}

/** A reward's or tier's `{ 'zh-TW', en }` name in the console's language. */
export function localized(names) {
  if (!names || typeof names !== 'object') return names ?? '';
  return names[current] || names.en || names['zh-TW'] || '';
}

document.documentElement.lang = current === 'zh-TW' ? 'zh-Hant-TW' : 'en';
