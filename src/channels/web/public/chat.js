'use strict';

(function startWebChat() {
  const apiBase = '/chat/api';
  const requestTimeoutMs = 20000;
  // A reply that arrives instantly looks like a glitch; a short pause reads as the bot answering.
  const minimumTypingMs = 350;

  // The rich-menu shortcuts of LINE, as intents from CONTRACT.md, offered when a returning member opens the page.
  const menuIntents = ['card', 'checkin', 'rewards', 'help'];

  const strings = {
    'zh-TW': {
      htmlLang: 'zh-Hant-TW',
      status: '線上 · 立即回覆',
      language: '語言',
      conversation: '對話',
      today: '今天',
      inputLabel: '訊息',
      placeholder: '輸入訊息…',
      send: '傳送',
      typing: '正在輸入…',
      suggestions: '建議回覆',
      sendFailed: '抱歉，訊息沒有送出。請檢查網路連線後再試一次。',
      sessionFailed: '目前無法連線到聊天服務，請稍後再試。',
      localeFailed: '語言設定沒有儲存，請再試一次。',
      retry: '重試',
      welcome: '嗨！今天想做什麼呢？',
      welcomeBack: '歡迎回來！今天想做什麼呢？',
      switched: '已切換為中文',
      menu: { card: '我的會員卡', checkin: '每日簽到', rewards: '兌換獎勵', help: '使用說明' },
    },
    en: {
      htmlLang: 'en',
      status: 'Online · replies instantly',
      language: 'Language',
      conversation: 'Conversation',
      today: 'Today',
      inputLabel: 'Message',
      placeholder: 'Type a message…',
      send: 'Send',
      typing: 'Typing…',
      suggestions: 'Suggested replies',
      sendFailed: "Sorry, your message didn't go through. Check your connection and try again.",
      sessionFailed: "We can't reach the chat right now. Please try again in a moment.",
      localeFailed: "The language setting wasn't saved. Please try again.",
      retry: 'Try again',
      welcome: 'Hi! What would you like to do today?',
      welcomeBack: 'Welcome back! What would you like to do today?',
      switched: 'Switched to English',
      menu: { card: 'My card', checkin: 'Check in', rewards: 'Rewards', help: 'Help' },
    },
  };

  const body = document.getElementById('chat-body');
  const log = document.getElementById('messages');
  const typing = document.getElementById('typing');
  const composer = document.getElementById('composer');
  const input = document.getElementById('composer-input');
  const localeButtons = Array.from(document.querySelectorAll('[data-locale]'));

  let locale = 'zh-TW';
  let lastSender = 'none';
  let pendingRequests = 0;
  let queue = Promise.resolve();

  function text(key) {
    return strings[locale][key];
  }

  // Requests run one at a time so the bot sees messages in the order the member sent them.
  function enqueue(task) {
    queue = queue.then(task, task);
    return queue;
  }

  function newMessageId() {
    if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    // randomUUID exists only in secure contexts; a phone opening http://<lan-ip>:3000/chat is not one.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  async function postJson(path, payload) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), requestTimeoutMs);
    try {
      const response = await fetch(`${apiBase}${path}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(payload),
        signal: controller.signal,
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        const failure = new Error((answer.error && answer.error.message) || `HTTP ${response.status}`);
        failure.code = answer.error && answer.error.code;
        throw failure;
      }
      return answer;
    } finally {
      clearTimeout(timer);
    }
  }

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    // Message text comes from templates marketers edit: it is only ever set as text, never parsed as markup.
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function timeNow() {
    return new Intl.DateTimeFormat(text('htmlLang'), { hour: 'numeric', minute: '2-digit' }).format(new Date());
  }

  function scrollToEnd() {
    const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    requestAnimationFrame(() => body.scrollTo({ top: body.scrollHeight, behavior: reduceMotion ? 'auto' : 'smooth' }));
  }

  function appendRow(sender, content) {
    const row = element('div', `row row-${sender}`);
    if (sender === 'bot') {
      const avatar = element('span', 'avatar');
      avatar.setAttribute('aria-hidden', 'true');
      if (lastSender === 'bot') avatar.classList.add('avatar-hidden');
      row.append(avatar);
    }
    const stack = element('div', 'stack');
    stack.append(content);
    row.append(stack, element('span', 'time', timeNow()));
    log.append(row);
    lastSender = sender;
    scrollToEnd();
    return row;
  }

  function appendMemberBubble(message) {
    appendRow('member', element('div', 'bubble bubble-member', message));
  }

  function appendNote(message) {
    const note = element('div', 'note');
    note.append(element('span', '', message));
    log.append(note);
    lastSender = 'none';
    scrollToEnd();
  }

  function appendError(message, retry) {
    const bubble = element('div', 'bubble bubble-error');
    bubble.setAttribute('role', 'alert');
    bubble.append(element('p', 'error-text', message));
    const row = appendRow('bot', bubble);
    if (!retry) return;
    const button = element('button', 'retry-button', text('retry'));
    button.type = 'button';
    button.addEventListener('click', () => {
      row.remove();
      retry();
    });
    bubble.append(button);
  }

  function choiceButton(choice, className) {
    const button = element('button', className, choice.label);
    button.type = 'button';
    button.addEventListener('click', () => sendChoice(choice));
    return button;
  }

  function clearQuickReplies() {
    log.querySelectorAll('.quick-replies').forEach((group) => group.remove());
  }

  function appendQuickReplies(choices) {
    const seen = new Set();
    const unique = choices.filter((choice) => {
      if (!choice || !choice.label || !choice.payload || seen.has(choice.payload)) return false;
      seen.add(choice.payload);
      return true;
    });
    if (unique.length === 0) return;
    const group = element('div', 'quick-replies');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', text('suggestions'));
    unique.forEach((choice) => group.append(choiceButton(choice, 'chip')));
    log.append(group);
    scrollToEnd();
  }

  function renderCard(card) {
    const article = element('article', 'card');
    const header = element('header', 'card-header');
    header.append(element('h2', 'card-title', card.title));
    if (card.subtitle) header.append(element('p', 'card-subtitle', card.subtitle));
    article.append(header);

    const fields = Array.isArray(card.fields) ? card.fields : [];
    if (fields.length > 0) {
      const list = element('dl', 'card-fields');
      fields.forEach((field) => {
        const row = element('div', 'card-field');
        row.append(element('dt', '', field.label), element('dd', '', field.value));
        list.append(row);
      });
      article.append(list);
    }

    if (card.progress && Number.isFinite(card.progress.ratio)) {
      const percent = Math.round(Math.min(1, Math.max(0, card.progress.ratio)) * 100);
      const progress = element('div', 'card-progress');
      const track = element('div', 'progress-track');
      track.setAttribute('role', 'progressbar');
      track.setAttribute('aria-valuemin', '0');
      track.setAttribute('aria-valuemax', '100');
      track.setAttribute('aria-valuenow', String(percent));
      if (card.progress.label) track.setAttribute('aria-valuetext', card.progress.label);
      const fill = element('div', 'progress-fill');
      fill.style.width = `${percent}%`;
      track.append(fill);
      progress.append(track);
      if (card.progress.label) progress.append(element('p', 'progress-label', card.progress.label));
      article.append(progress);
    }

    if (card.footer) article.append(element('p', 'card-footer', card.footer));

    const choices = Array.isArray(card.choices) ? card.choices.filter((choice) => choice && choice.label && choice.payload) : [];
    if (choices.length > 0) {
      const actions = element('div', 'card-actions');
      choices.forEach((choice) => actions.append(choiceButton(choice, 'card-action')));
      article.append(actions);
    }
    return article;
  }

  function renderReplies(messages) {
    const quickReplies = [];
    (Array.isArray(messages) ? messages : []).forEach((message) => {
      if (message.kind === 'card') {
        appendRow('bot', renderCard(message));
      } else if (message.kind === 'text') {
        if (typeof message.text === 'string' && message.text.trim() !== '') {
          appendRow('bot', element('div', 'bubble bubble-bot', message.text));
        }
        if (Array.isArray(message.choices)) quickReplies.push(...message.choices);
      }
    });
    appendQuickReplies(quickReplies);
  }

  function showTyping() {
    pendingRequests += 1;
    typing.hidden = false;
    scrollToEnd();
  }

  function hideTyping() {
    pendingRequests -= 1;
    if (pendingRequests === 0) typing.hidden = true;
  }

  function pause(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async function withTyping(work) {
    showTyping();
    try {
      const [result] = await Promise.all([work(), pause(minimumTypingMs)]);
      return result;
    } finally {
      hideTyping();
    }
  }

  async function startSession() {
    try {
      const answer = await withTyping(() => postJson('/session', {}));
      applyLocale(answer.locale);
      const isNew = Boolean(answer.identity && answer.identity.isNew);
      if (Array.isArray(answer.messages) && answer.messages.length > 0) {
        renderReplies(answer.messages);
      } else {
        appendNote(text(isNew ? 'welcome' : 'welcomeBack'));
        appendQuickReplies(menuIntents.map((intent) => ({ label: text('menu')[intent], payload: `intent=${intent}` })));
      }
    } catch (error) {
      // The server clears an identity cookie it did not issue, so the very next attempt starts cleanly.
      if (error.code === 'invalid_identity') return startSession();
      appendError(text('sessionFailed'), () => enqueue(startSession));
    }
  }

  async function deliver(message, isRetryAfterNewSession) {
    try {
      const answer = await withTyping(() => postJson('/messages', message));
      renderReplies(answer.messages);
    } catch (error) {
      const lostSession = error.code === 'no_session' || error.code === 'invalid_identity';
      if (lostSession && !isRetryAfterNewSession) {
        await postJson('/session', { locale }).catch(() => undefined);
        return deliver(message, true);
      }
      // Retrying with the same id is safe: the server treats it as the same message, never a second one.
      appendError(text('sendFailed'), () => enqueue(() => deliver(message, false)));
    }
  }

  function sendText(value) {
    clearQuickReplies();
    appendMemberBubble(value);
    enqueue(() => deliver({ id: newMessageId(), text: value }, false));
  }

  function sendChoice(choice) {
    clearQuickReplies();
    appendMemberBubble(choice.label);
    enqueue(() => deliver({ id: newMessageId(), payload: choice.payload }, false));
  }

  function applyLocale(next) {
    if (!strings[next]) return;
    locale = next;
    document.documentElement.lang = text('htmlLang');
    document.querySelectorAll('[data-text]').forEach((node) => {
      node.textContent = text(node.dataset.text);
    });
    document.querySelectorAll('[data-label]').forEach((node) => {
      node.setAttribute('aria-label', text(node.dataset.label));
    });
    document.querySelectorAll('[data-placeholder]').forEach((node) => {
      node.setAttribute('placeholder', text(node.dataset.placeholder));
    });
    localeButtons.forEach((button) => button.setAttribute('aria-pressed', String(button.dataset.locale === locale)));
  }

  function switchLocale(next) {
    if (next === locale) return;
    const previous = locale;
    applyLocale(next);
    appendNote(text('switched'));
    enqueue(async () => {
      try {
        await postJson('/locale', { locale: next });
      } catch {
        applyLocale(previous);
        appendError(text('localeFailed'));
      }
    });
  }

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value === '') return;
    input.value = '';
    sendText(value);
  });

  localeButtons.forEach((button) => button.addEventListener('click', () => switchLocale(button.dataset.locale)));

  enqueue(startSession);

  // A QR code or link can open the chat with a message ready to send (/chat?text=COLLECT%20AB12CD34,
  // or a friend's invite /chat?invite=K7QM2X); the person still taps send, so nothing happens on their behalf.
  const query = new URLSearchParams(window.location.search);
  const invite = query.get('invite');
  const prefill = query.get('text') || (invite ? `INVITE ${invite}` : null);
  if (prefill) {
    input.value = prefill.slice(0, 500);
    input.focus();
  }
})();
