import { forgetToken, storedToken } from './api.js';
import { h, replace } from './dom.js';
import { describeError, field, formStatus, input, showErrors, submitting } from './forms.js';
import { locale, onLocaleChange, setLocale, t } from './i18n.js';
import { matchRoute, navigate } from './router.js';
import { resume, session, signIn, signOut } from './session.js';

/**
 * Every page: one module under pages/ with `title()` and `render(view, { params, query })`.
 */
const routes = [
  { path: '/dashboard', nav: 'dashboard', section: 'insight', load: () => import('./pages/dashboard.js') },
  { path: '/members', nav: 'members', section: 'people', load: () => import('./pages/members.js') },
  { path: '/members/:id', nav: 'members', load: () => import('./pages/member.js') },
  { path: '/redemptions', nav: 'redemptions', section: 'people', load: () => import('./pages/redemptions.js') },
  { path: '/programme', nav: 'programme', section: 'programme', load: () => import('./pages/programme.js') },
  { path: '/rewards', nav: 'rewards', section: 'programme', load: () => import('./pages/rewards.js') },
  { path: '/rewards/new', nav: 'rewards', load: () => import('./pages/reward-form.js') },
  { path: '/rewards/:id', nav: 'rewards', load: () => import('./pages/reward-form.js') },
  { path: '/point-codes', nav: 'pointCodes', section: 'programme', load: () => import('./pages/point-codes.js') },
  { path: '/point-codes/print', nav: 'pointCodes', load: () => import('./pages/point-code-print.js') },
  { path: '/missions', nav: 'missions', section: 'programme', load: () => import('./pages/missions.js') },
  { path: '/tier-rules', nav: 'tierRules', section: 'programme', load: () => import('./pages/tier-rules.js') },
  { path: '/flows', nav: 'flows', section: 'conversation', load: () => import('./pages/content.js') },
  { path: '/flows/:kind/:id', nav: 'flows', load: () => import('./pages/content-editor.js') },
  { path: '/segments', nav: 'segments', section: 'conversation', load: () => import('./pages/segments.js') },
  { path: '/segments/new', nav: 'segments', load: () => import('./pages/segment-form.js') },
  { path: '/segments/:id', nav: 'segments', load: () => import('./pages/segment-form.js') },
  { path: '/broadcasts', nav: 'broadcasts', section: 'conversation', load: () => import('./pages/broadcasts.js') },
  { path: '/broadcasts/new', nav: 'broadcasts', load: () => import('./pages/broadcast-form.js') },
  { path: '/broadcasts/:id', nav: 'broadcasts', load: () => import('./pages/broadcast.js') },
  { path: '/audit-log', nav: 'auditLog', section: 'insight', load: () => import('./pages/audit-log.js') },
];
const sections = ['people', 'programme', 'conversation', 'insight'];
const home = '#/dashboard';

const root = document.getElementById('root');
let renderCount = 0;

async function start() {
  window.addEventListener('console:unauthenticated', () => {
    signOut();
    showLogin(t('login.expired'));
  });
  onLocaleChange(() => (session() ? renderPage() : showLogin()));
  if (storedToken()) {
    try {
      await resume();
    } catch {
      forgetToken();
    }
  }
  root.classList.remove('booting');
  root.removeAttribute('aria-busy');
  if (session()) showShell();
  else showLogin();
}

function languageSwitch() {
  return h(
    'div',
    { class: 'language-switch', role: 'group', 'aria-label': t('shell.language') },
    [
      ['zh-TW', '中文'],
      ['en', 'English'],
    ].map(([code, label]) =>
      h('button', { type: 'button', 'aria-pressed': String(locale() === code), onclick: () => setLocale(code) }, label),
    ),
  );
}

function showLogin(notice) {
  window.removeEventListener('hashchange', renderPage);
  const token = input({ type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const status = formStatus();
  const form = h(
    'form',
    { class: 'login-card', novalidate: true },
    h('div', { class: 'login-brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '★'), h('h1', null, t('login.title'))),
    h('p', { class: 'muted' }, t('login.intro')),
    status,
    field(t('login.token'), token, { path: 'token', hint: t('login.tokenHint') }),
    h('button', { type: 'submit', class: 'button button-primary button-block' }, t('login.submit')),
    h('p', { class: 'fine-print' }, t('login.storage')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = token.value.trim();
    if (!value) {
      showErrors(form, { details: [{ path: 'token', message: t('login.tokenMissing') }] });
      return;
    }
    const signedIn = await submitting(form, () => signIn(value));
    if (signedIn) showShell();
  });
  if (notice) {
    status.hidden = false;
    status.className = 'form-status form-status-info';
    status.textContent = notice;
  }
  replace(root, h('div', { class: 'login' }, h('div', { class: 'login-tools' }, languageSwitch()), form));
  document.title = t('login.title');
  token.focus();
}

function showShell() {
  if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', home);
  window.removeEventListener('hashchange', renderPage);
  window.addEventListener('hashchange', renderPage);
  renderPage();
}

function sidebar(activeNav) {
  return h(
    'nav',
    { class: 'sidebar', id: 'sidebar', 'aria-label': t('shell.navigation') },
    h('a', { class: 'sidebar-brand', href: home }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '★'), h('span', null, t('shell.brand'))),
    sections.map((section) =>
      h(
        'div',
        { class: 'nav-section' },
        h('p', { class: 'nav-heading' }, t(`nav.sections.${section}`)),
        h(
          'ul',
          null,
          routes
            .filter((route) => route.section === section)
            .map((route) =>
              h(
                'li',
                null,
                h(
                  'a',
                  {
                    href: `#${route.path}`,
                    class: 'nav-link',
                    'aria-current': route.nav === activeNav ? 'page' : null,
                  },
                  h('span', null, t(`nav.${route.nav}`)),
                ),
              ),
            ),
        ),
      ),
    ),
  );
}

async function renderPage() {
  const current = (renderCount += 1);
  const match = matchRoute(routes, location.hash);
  if (!match) {
    navigate(home);
    return;
  }
  const who = session();
  const view = h('main', { class: 'page', id: 'page', tabindex: '-1' });
  const menuButton = h(
    'button',
    { type: 'button', class: 'menu-button', 'aria-controls': 'sidebar', 'aria-expanded': 'false', 'aria-label': t('shell.menu') },
    h('span', { 'aria-hidden': 'true' }, '☰'),
  );
  const shell = h(
    'div',
    { class: 'shell' },
    sidebar(match.route.nav),
    h(
      'div',
      { class: 'main' },
      h(
        'header',
        { class: 'topbar' },
        menuButton,
        h('div', { class: 'topbar-spacer' }),
        h('span', { class: `role role-${who.role}`, title: who.name }, t(`roles.${who.role}`)),
        languageSwitch(),
        h('button', { type: 'button', class: 'button button-ghost', onclick: () => (signOut(), showLogin()) }, t('shell.signOut')),
      ),
      view,
    ),
  );
  menuButton.addEventListener('click', () => {
    const open = shell.classList.toggle('menu-open');
    menuButton.setAttribute('aria-expanded', String(open));
  });
  replace(root, shell);
  try {
    const page = await match.route.load();
    if (current !== renderCount) return;
    document.title = `${page.title(match)} · ${t('shell.brand')}`;
    await page.render(view, { ...match, nav: match.route.nav });
  } catch (error) {
    if (current !== renderCount) return;
    replace(view, h('div', { class: 'notice notice-error', role: 'alert' }, describeError(error)));
  }
}

void start();
