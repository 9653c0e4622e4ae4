import { api } from './api.js';
import { h, replace } from './dom.js';
import { describeError, select } from './forms.js';
import { locale as consoleLocale, t } from './i18n.js';

// The web chat's rich-menu shortcuts (src/channels/web/public/chat.js), as intents a tap sends.
const shortcuts = ['checkin', 'card', 'rewards', 'help'];

/**
 * A chat on the saved drafts: POST /admin/api/preview/messages answers in the web chat's message
 * shape, and this panel draws it the way /chat does (text bubbles, cards with fields and progress,
 * buttons that send their payload). It chats as the admin's own sandbox member; "Start over" resets it.
 */
export function previewChat() {
  const log = h('div', { class: 'preview-log', role: 'log', 'aria-live': 'polite', 'aria-label': t('content.preview.conversation') });
  const input = h('input', { type: 'text', class: 'preview-input', 'aria-label': t('content.preview.message'), placeholder: t('content.preview.placeholder'), autocomplete: 'off', maxlength: '500' });
  const language = select(
    [
      ['zh-TW', '中文'],
      ['en', 'English'],
    ],
    { value: consoleLocale(), class: 'preview-locale', 'aria-label': t('content.preview.language') },
  );
  const sendButton = h('button', { type: 'submit', class: 'button button-primary button-small' }, t('content.preview.send'));
  const composer = h('form', { class: 'preview-composer' }, input, sendButton);
  const resetButton = h('button', { type: 'button', class: 'button button-ghost button-small' }, t('content.preview.reset'));
  let queue = Promise.resolve();

  const element = h(
    'section',
    { class: 'card preview', 'aria-labelledby': 'preview-title' },
    h('div', { class: 'preview-header' }, h('h2', { id: 'preview-title' }, t('content.preview.title')), language, resetButton),
    h('p', { class: 'hint' }, t('content.preview.intro')),
    log,
    composer,
  );

  const scroll = () => requestAnimationFrame(() => (log.scrollTop = log.scrollHeight));
  const bubble = (who, content) => {
    log.append(h('div', { class: `preview-row preview-row-${who}` }, content));
    scroll();
  };
  const clearChips = () => log.querySelectorAll('.preview-chips').forEach((chips) => chips.remove());
  const chips = (choices) => {
    const seen = new Set();
    const unique = choices.filter((choice) => choice?.label && choice.payload && !seen.has(choice.payload) && seen.add(choice.payload));
    if (unique.length === 0) return;
    log.append(h('div', { class: 'preview-chips', role: 'group', 'aria-label': t('content.preview.suggestions') }, unique.map((choice) => choiceButton(choice, 'preview-chip'))));
    scroll();
  };
  const choiceButton = (choice, className) => h('button', { type: 'button', class: className, onclick: () => send({ payload: choice.payload }, choice.label) }, choice.label);

  const render = (messages) => {
    const quickReplies = [];
    for (const message of messages) {
      if (message.kind === 'card') bubble('bot', card(message, choiceButton));
      else if (message.kind === 'text') {
        if (typeof message.text === 'string' && message.text.trim() !== '') bubble('bot', h('div', { class: 'preview-bubble' }, message.text));
        if (Array.isArray(message.choices)) quickReplies.push(...message.choices);
      }
    }
    chips(quickReplies);
  };

  // One request at a time, in order, like the web chat.
  const send = (body, shown) => {
    clearChips();
    bubble('member', h('div', { class: 'preview-bubble preview-bubble-member' }, shown));
    const typing = h('div', { class: 'preview-typing' }, t('content.preview.typing'));
    queue = queue.then(async () => {
      log.append(typing);
      scroll();
      try {
        render((await api.post('/preview/messages', { ...body, locale: language.value })).messages);
      } catch (error) {
        bubble('bot', h('div', { class: 'preview-bubble preview-bubble-error', role: 'alert' }, describeError(error)));
      } finally {
        typing.remove();
      }
    });
    return queue;
  };

  const greet = () => {
    replace(log, h('p', { class: 'preview-note' }, t('content.preview.start')));
    chips(shortcuts.map((intent) => ({ label: t(`content.preview.shortcuts.${intent}`), payload: `intent=${intent}` })));
  };

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    void send({ text }, text);
  });
  resetButton.addEventListener('click', async () => {
    resetButton.disabled = true;
    try {
      await api.post('/preview/reset');
      greet();
    } catch (error) {
      bubble('bot', h('div', { class: 'preview-bubble preview-bubble-error', role: 'alert' }, describeError(error)));
    } finally {
      resetButton.disabled = false;
    }
  });
  greet();
  return { element };
}

/**
 * One message as members will see it, read-only (the broadcast preview): a text bubble or a card,
 * its buttons shown but not tappable. Drawn like the chat above, from the same message shape.
 */
export function staticMessage(message) {
  const inert = (choice, className) => h('span', { class: className }, choice.label);
  if (message.kind === 'card') return h('div', { class: 'preview-row' }, card(message, inert));
  const choices = Array.isArray(message.choices) ? message.choices.filter((choice) => choice?.label) : [];
  return [
    h('div', { class: 'preview-row' }, h('div', { class: 'preview-bubble' }, message.text)),
    choices.length > 0 ? h('div', { class: 'preview-chips' }, choices.map((choice) => inert(choice, 'preview-chip'))) : null,
  ];
}

function card(message, choiceButton) {
  const fields = Array.isArray(message.fields) ? message.fields : [];
  const choices = Array.isArray(message.choices) ? message.choices.filter((choice) => choice?.label && choice.payload) : [];
  let progress = null;
  if (message.progress && Number.isFinite(message.progress.ratio)) {
    const percent = Math.round(Math.min(1, Math.max(0, message.progress.ratio)) * 100);
    const fill = h('div', { class: 'preview-progress-fill' });
    fill.style.width = `${percent}%`;
    progress = h(
      'div',
      { class: 'preview-progress' },
      h('div', { class: 'preview-progress-track', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(percent), 'aria-valuetext': message.progress.label || null }, fill),
      message.progress.label ? h('p', null, message.progress.label) : null,
    );
  }
  return h(
    'article',
    { class: 'preview-card' },
    h('header', null, h('h3', null, message.title), message.subtitle ? h('p', { class: 'preview-card-subtitle' }, message.subtitle) : null),
    fields.length > 0 ? h('dl', null, fields.map((field) => h('div', null, h('dt', null, field.label), h('dd', null, field.value)))) : null,
    progress,
    message.footer ? h('p', { class: 'preview-card-footer' }, message.footer) : null,
    choices.length > 0 ? h('div', { class: 'preview-card-actions' }, choices.map((choice) => choiceButton(choice, 'preview-card-action'))) : null,
  );
}
