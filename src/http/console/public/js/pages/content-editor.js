import { api } from '../api.js';
import { confirmAction, choose } from '../dialogs.js';
import { badge, h, replace, table } from '../dom.js';
import { describeError, formStatus, showStatus, clearErrors, select, toast } from '../forms.js';
import { formatDateTime, t } from '../i18n.js';
import { previewChat } from '../preview-chat.js';
import { canWrite } from '../session.js';
import { lineOfPath, yamlEditor } from '../yaml-editor.js';
import { liveLabel } from './content.js';

const locales = ['zh-TW', 'en'];
const localeNames = { 'zh-TW': '中文', en: 'English' };
// Keys of a template that hold wording; the rest (intent, answer, ratio, args) wire the flow and stay in YAML.
const wordingKeys = new Set(['text', 'itemButton', 'title', 'subtitle', 'label', 'value', 'footer']);

export function title({ params }) {
  return `${params.id} · ${t('content.title')}`;
}

/**
 * One flow, or one template file with both locales: edit it as YAML (or, for templates, as plain
 * wording fields), save a draft the live chats never see, try it in the preview chat, publish it,
 * compare versions, roll back or reset to the shipped file.
 */
export async function render(view, { params }) {
  const kind = params.kind === 'flow' ? 'flow' : 'template';
  const plural = `${kind}s`;
  const base = `/${plural}/${encodeURIComponent(params.id)}`;
  const canEdit = canWrite(`/${plural}`);
  const canPreview = canWrite('/preview');
  let resource = await api.get(base);
  let versions = (await api.get(`${base}/versions`)).versions;

  // Views: the wording form (templates only) and the YAML, one tab per locale for templates.
  const tabs = kind === 'template' ? ['form', ...locales.map((code) => `yaml:${code}`)] : ['yaml'];
  const viewOf = (tab) => (tab === 'form' ? 'form' : 'yaml');
  let activeTab = tabs[0];
  const dirty = { form: false, yaml: false };
  let entries = {};

  const editors = {};
  if (kind === 'template') {
    for (const code of locales) {
      editors[code] = yamlEditor({ label: t('content.yamlFor', { locale: localeNames[code] }), lang: code === 'zh-TW' ? 'zh-Hant-TW' : 'en', readOnly: !canEdit, onInput: () => (dirty.yaml = true) });
    }
  } else {
    editors.flow = yamlEditor({ label: t('content.yaml'), lang: 'en', readOnly: !canEdit, onInput: () => (dirty.yaml = true) });
  }
  const formPanel = h('div', { class: 'wording-form' });
  formPanel.addEventListener('input', () => (dirty.form = true));
  const panels = Object.fromEntries(
    tabs.map((tab) => {
      const content = tab === 'form' ? formPanel : editors[tab === 'yaml' ? 'flow' : tab.slice(5)].element;
      return [tab, h('div', { class: 'tab-panel', role: 'tabpanel', id: `panel-${tab.replace(':', '-')}`, 'aria-labelledby': `tab-${tab.replace(':', '-')}` }, content)];
    }),
  );
  const tabButtons = Object.fromEntries(
    tabs.map((tab) => [
      tab,
      h(
        'button',
        { type: 'button', role: 'tab', class: 'tab', id: `tab-${tab.replace(':', '-')}`, 'aria-controls': `panel-${tab.replace(':', '-')}`, onclick: () => switchTab(tab) },
        tabLabel(tab),
        h('span', { class: 'tab-problems', hidden: true }),
      ),
    ]),
  );

  const header = h('div', { class: 'page-header' });
  const status = formStatus();
  const saveButton = h('button', { type: 'submit', class: 'button button-primary' }, t('content.saveDraft'));
  const discardButton = h('button', { type: 'button', class: 'button button-ghost', onclick: () => discard() }, t('content.discardDraft'));
  const publishButton = h('button', { type: 'button', class: 'button', onclick: () => publish() }, t('content.publish'));
  const resetButton = h('button', { type: 'button', class: 'button button-danger-ghost', onclick: () => resetToShipped() }, t('content.reset'));
  const editorForm = h(
    'form',
    { class: 'card editor-card', novalidate: true, 'aria-label': t('content.editor') },
    h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('content.views') }, tabs.map((tab) => tabButtons[tab])),
    status,
    tabs.map((tab) => panels[tab]),
    canEdit
      ? h('div', { class: 'form-actions editor-actions' }, saveButton, discardButton, h('span', { class: 'actions-spacer' }), publishButton, resetButton)
      : h('p', { class: 'muted' }, t('content.readOnly')),
  );
  editorForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void save();
  });

  const versionsSection = h('section', { class: 'card', 'aria-labelledby': 'versions-title' });
  const diffOutput = h('div', { class: 'diff-output', 'aria-live': 'polite' });
  const preview = canPreview ? previewChat() : null;

  replace(
    view,
    header,
    h('div', { class: ['content-layout', !preview && 'content-layout-single'] }, h('div', { class: 'content-main' }, editorForm, versionsSection), preview?.element),
  );
  load();
  selectTab(activeTab);

  function tabLabel(tab) {
    if (tab === 'form') return t('content.formView');
    if (tab === 'yaml') return 'YAML';
    return `YAML · ${localeNames[tab.slice(5)]}`;
  }

  /** Fills every view from the resource: the draft if there is one, else what is live. */
  function load() {
    const editing = resource.draft?.content ?? resource.live?.content;
    if (kind === 'template') {
      for (const code of locales) editors[code].value = editing?.[code] ?? '';
      entries = structuredClone(resource.entries ?? {});
      drawForm();
    } else {
      editors.flow.value = typeof editing === 'string' ? editing : '';
    }
    dirty.form = false;
    dirty.yaml = false;
    drawHeader();
    drawVersions();
    discardButton.disabled = !resource.draft;
    publishButton.disabled = !resource.draft;
    resetButton.hidden = !resource.shipped;
  }

  function drawHeader() {
    replace(
      header,
      h(
        'div',
        null,
        h('p', { class: 'breadcrumb' }, h('a', { href: '#/flows' }, t('content.title')), ' › ', t(`content.kinds.${kind}`)),
        h('h1', null, params.id),
        h(
          'p',
          { class: 'resource-state' },
          h('span', { class: 'muted' }, `${t('content.live')}: `),
          liveLabel(resource.live),
          ' ',
          resource.draft
            ? [badge(t('content.draftWaiting'), 'pending'), h('span', { class: 'muted' }, t('content.savedBy', { when: formatDateTime(resource.draft.savedAt), who: resource.draft.savedBy }))]
            : badge(t('content.noDraft')),
        ),
      ),
    );
  }

  function drawForm() {
    replace(
      formPanel,
      h('p', { class: 'hint' }, t('content.formIntro')),
      Object.entries(entries).map(([templateId, byLocale]) =>
        h(
          'fieldset',
          { class: 'wording-template' },
          h('legend', null, h('code', null, templateId)),
          h(
            'div',
            { class: 'wording-locales' },
            locales.map((code) =>
              h(
                'div',
                { class: 'wording-locale', lang: code === 'zh-TW' ? 'zh-Hant-TW' : 'en' },
                h('h3', null, localeNames[code]),
                byLocale[code] === undefined
                  ? h('p', { class: 'muted' }, t('content.missingLocale'))
                  : wordingFields(byLocale[code]).map(({ path, value, hint }) => wordingField(templateId, code, path, value, hint)),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function wordingField(templateId, code, path, value, hint) {
    const apiPath = `${templateId}.${path.join('.')}`;
    const id = `wording-${code}-${apiPath}`.replace(/[^\w-]/g, '-');
    const props = { id, value, dataset: { path: `${code}:${apiPath}` }, disabled: !canEdit };
    const control = path.at(-1) === 'text' ? h('textarea', { ...props, rows: String(Math.min(6, Math.max(2, Math.ceil(value.length / 60)))) }) : h('input', { type: 'text', ...props });
    control.addEventListener('input', () => setIn(entries[templateId][code], path, control.value));
    return h(
      'div',
      { class: 'field', dataset: { fieldFor: `${code}:${apiPath}` } },
      h('label', { for: id }, wordingLabel(path)),
      control,
      hint ? h('p', { class: 'hint' }, hint) : null,
    );
  }

  async function switchTab(tab) {
    if (tab === activeTab) return;
    const leaving = viewOf(activeTab);
    if (viewOf(tab) !== leaving && dirty[leaving]) {
      const answer = await choose({
        title: t('content.unsavedTitle'),
        message: t(leaving === 'form' ? 'content.unsavedForm' : 'content.unsavedYaml'),
        cancel: t('content.stay'),
        choices: [
          { value: 'discard', label: t('content.discardChanges'), kind: 'danger-ghost' },
          { value: 'save', label: t('content.saveAndSwitch'), kind: 'primary' },
        ],
      });
      if (answer === null) return;
      if (answer === 'save' && !(await save())) return;
      if (answer === 'discard') load();
    }
    selectTab(tab);
  }

  function selectTab(tab) {
    activeTab = tab;
    for (const candidate of tabs) {
      tabButtons[candidate].setAttribute('aria-selected', String(candidate === tab));
      tabButtons[candidate].tabIndex = candidate === tab ? 0 : -1;
      panels[candidate].hidden = candidate !== tab;
    }
  }

  /** PUT the active view: the form's entries, or the YAML (both locales). Returns whether it saved. */
  async function save() {
    const body =
      viewOf(activeTab) === 'form'
        ? { entries }
        : kind === 'template'
          ? { content: Object.fromEntries(locales.map((code) => [code, editors[code].value])) }
          : { content: editors.flow.value };
    clearProblems();
    saveButton.disabled = true;
    try {
      await api.put(base, body);
    } catch (error) {
      showProblems(error);
      return false;
    } finally {
      saveButton.disabled = false;
    }
    await reload();
    showStatus(editorForm, 'success', t('content.saved'));
    return true;
  }

  async function reload() {
    [resource, versions] = await Promise.all([api.get(base), api.get(`${base}/versions`).then((answer) => answer.versions)]);
    load();
  }

  function clearProblems() {
    clearErrors(editorForm);
    for (const editor of Object.values(editors)) editor.clearProblems();
    for (const button of Object.values(tabButtons)) button.querySelector('.tab-problems').hidden = true;
  }

  /**
   * A 400 invalid_content: each problem on its line in the YAML of the file it names (the line from
   * the API for a syntax error, else found from its path), next to its field in the form, and all
   * of them in the list on top naming file, path and reason.
   */
  function showProblems(error) {
    const problems = error.code === 'invalid_content' || error.code === 'drafts_conflict' ? error.details : [];
    if (problems.length === 0 && !(error.details ?? []).some((detail) => detail.reason)) {
      showStatus(editorForm, 'error', describeError(error), (error.details ?? []).map((detail) => (detail.path ? `${detail.path}: ${detail.message}` : detail.message)));
      return;
    }
    const byEditor = new Map();
    const counts = new Map();
    let firstInView = null;
    for (const problem of problems) {
      const target = editorFor(problem.file);
      if (!target) continue;
      const line = problem.line ?? lineOfPath(editors[target].value, problem.path);
      const reason = shortReason(problem.reason).replace(/^not valid YAML: /, '');
      const marked = { line, column: problem.column, message: problem.path ? `${problem.path}: ${reason}` : reason };
      byEditor.set(target, [...(byEditor.get(target) ?? []), marked]);
      const tab = target === 'flow' ? 'yaml' : `yaml:${target}`;
      counts.set(tab, (counts.get(tab) ?? 0) + 1);
      if (kind === 'template' && problem.path) {
        const holder = formPanel.querySelector(`[data-field-for="${CSS.escape(`${target}:${problem.path}`)}"]`);
        if (holder) {
          holder.querySelector('[data-path]')?.setAttribute('aria-invalid', 'true');
          holder.append(h('p', { class: 'field-error' }, problem.reason));
          counts.set('form', (counts.get('form') ?? 0) + 1);
        }
      }
      if (tab === activeTab && line && !firstInView) firstInView = { target, line, column: problem.column ?? 1 };
    }
    for (const [target, marked] of byEditor) editors[target].showProblems(marked);
    for (const [tab, count] of counts) {
      const marker = tabButtons[tab]?.querySelector('.tab-problems');
      if (!marker) continue;
      marker.textContent = String(count);
      marker.title = t('content.problemCount', { count });
      marker.hidden = false;
    }
    showStatus(
      editorForm,
      'error',
      t('content.invalid'),
      problems.map((problem) =>
        [problem.file, problem.line ? t('content.lineColumn', { line: problem.line, column: problem.column ?? '—' }) : null, problem.path || null]
          .filter(Boolean)
          .join(' · ')
          .concat(` — ${shortReason(problem.reason)}`),
      ),
    );
    if (firstInView) editors[firstInView.target].focusLine(firstInView.line, firstInView.column);
  }

  /** 'templates/en/checkin.yaml (draft)' → 'en'; 'flows/signup.yaml' → 'flow' when it is this flow. */
  function editorFor(file) {
    const name = String(file ?? '').replace(/ \(draft\)$/, '');
    if (kind === 'flow') return name === `flows/${params.id}.yaml` ? 'flow' : null;
    const match = /^templates\/([^/]+)\/(.+)\.yaml$/.exec(name);
    return match && match[2] === params.id && locales.includes(match[1]) ? match[1] : null;
  }

  async function discard() {
    const sure = await confirmAction({ title: t('content.discardTitle'), message: t('content.discardMessage'), confirm: t('content.discardDraft'), cancel: t('common.cancel'), danger: true });
    if (!sure) return;
    await act(() => api.delete(`${base}/draft`), t('content.discarded'));
  }

  async function publish() {
    if (dirty.form || dirty.yaml) {
      showStatus(editorForm, 'info', t('content.saveFirst'));
      return;
    }
    let changes;
    try {
      changes = (await api.get(`${base}/diff?from=live&to=draft`)).diff;
    } catch (error) {
      showStatus(editorForm, 'error', describeError(error));
      return;
    }
    const sure = await confirmAction({
      title: t('content.publishTitle', { id: params.id }),
      message: t('content.publishMessage'),
      body: diffView(changes),
      confirm: t('content.publish'),
      cancel: t('common.cancel'),
    });
    if (!sure) return;
    await act(() => api.post(`${base}/publish`), (published) => t('content.published', { version: published.version }));
  }

  async function rollBackTo(version) {
    const sure = await confirmAction({
      title: t('content.rollbackTitle', { version }),
      message: t('content.rollbackMessage', { version }),
      confirm: t('content.rollback'),
      cancel: t('common.cancel'),
      danger: true,
    });
    if (!sure) return;
    await act(() => api.post(`${base}/rollback`, { version }), (published) => t('content.rolledBack', { version: published.version, from: version }));
  }

  async function resetToShipped() {
    const sure = await confirmAction({ title: t('content.resetTitle'), message: t('content.resetMessage'), confirm: t('content.reset'), cancel: t('common.cancel'), danger: true });
    if (!sure) return;
    await act(() => api.post(`${base}/reset`), (published) => t('content.resetDone', { version: published.version }));
  }

  /** A write that changes what is live or drops the draft, then everything redrawn from the server. */
  async function act(write, success) {
    clearProblems();
    let answer;
    try {
      answer = await write();
    } catch (error) {
      showProblems(error);
      return;
    }
    await reload();
    const message = typeof success === 'function' ? success(answer) : success;
    showStatus(editorForm, 'success', message);
    toast(message);
  }

  function drawVersions() {
    const liveVersion = resource.live?.version;
    const selectors = [...(resource.draft ? [['draft', t('content.draft')]] : []), ['live', t('content.live')], ...versions.map((version) => [String(version.version), `v${version.version}`])];
    const from = select(selectors, { value: resource.draft ? 'live' : String(versions[1]?.version ?? 'live'), 'aria-label': t('content.diffFrom') });
    const to = select(selectors, { value: resource.draft ? 'draft' : 'live', 'aria-label': t('content.diffTo') });
    const showDiff = async (fromValue, toValue) => {
      from.value = fromValue;
      to.value = toValue;
      replace(diffOutput, h('p', { class: 'muted' }, t('common.loading')));
      try {
        const answer = await api.get(`${base}/diff?from=${encodeURIComponent(fromValue)}&to=${encodeURIComponent(toValue)}`);
        replace(diffOutput, h('p', { class: 'diff-caption' }, t('content.diffCaption', { from: from.selectedOptions[0].textContent, to: to.selectedOptions[0].textContent })), diffView(answer.diff));
      } catch (error) {
        replace(diffOutput, h('p', { class: 'notice notice-error', role: 'alert' }, describeError(error)));
      }
    };
    replace(
      versionsSection,
      h('h2', { id: 'versions-title' }, t('content.versions')),
      table(
        [
          [t('content.version'), (version) => [h('span', { class: 'nowrap' }, `v${version.version}`), version.version === liveVersion ? [' ', badge(t('content.live'), 'success')] : null], { nowrap: true }],
          [t('content.source'), (version) => (version.fromVersion !== null && version.fromVersion !== undefined ? t('content.sourceFrom', { source: t(`content.sources.${version.source}`), version: version.fromVersion }) : t(`content.sources.${version.source}`))],
          [t('content.publishedAt'), (version) => (version.publishedAt ? formatDateTime(version.publishedAt) : t('content.shippedFile'))],
          [t('content.publishedBy'), (version) => version.publishedBy ?? '—'],
          [
            h('span', { class: 'visually-hidden' }, t('redemptions.actions')),
            (version) =>
              h(
                'div',
                { class: 'button-row' },
                version.version === liveVersion
                  ? null
                  : h('button', { type: 'button', class: 'button button-small button-ghost', onclick: () => showDiff(String(version.version), 'live'), 'aria-label': t('content.compareLabel', { version: version.version }) }, t('content.compare')),
                canEdit && version.version !== liveVersion
                  ? h('button', { type: 'button', class: 'button button-small button-danger-ghost', onclick: () => rollBackTo(version.version), 'aria-label': t('content.rollbackLabel', { version: version.version }) }, t('content.rollback'))
                  : null,
              ),
          ],
        ],
        versions,
        { empty: t('content.noVersions'), caption: t('content.versions') },
      ),
      h(
        'div',
        { class: 'diff-controls' },
        h('span', { class: 'diff-label' }, t('content.diffFrom')),
        from,
        h('span', { class: 'diff-label' }, t('content.diffTo')),
        to,
        h('button', { type: 'button', class: 'button button-small', onclick: () => showDiff(from.value, to.value) }, t('content.showDiff')),
      ),
      diffOutput,
    );
    replace(diffOutput);
  }
}

/** A unified diff as text lines, added and removed ones coloured; never parsed as markup. */
export function diffView(diff) {
  const lines = String(diff ?? '').replace(/\n$/, '').split('\n');
  const changed = lines.some((line) => (line.startsWith('+') && !line.startsWith('+++')) || (line.startsWith('-') && !line.startsWith('---')));
  if (!changed) return h('p', { class: 'muted diff-empty' }, t('content.noDifferences'));
  return h(
    'pre',
    { class: 'diff', tabindex: '0', 'aria-label': t('content.diff') },
    lines
      .filter((line) => !line.startsWith('Index: ') && !/^=+$/.test(line))
      .map((line) => {
        const kind = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'remove' : 'context';
        return h('span', { class: `diff-line diff-${kind}` }, line || ' ');
      }),
  );
}

/** A parser's reason without the excerpt and position it appends ("… at line 2, column 3:\n\n  text …"). */
function shortReason(reason) {
  return String(reason ?? '')
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '');
}

/** Every wording string in a template with its path: [{ path: ['choices', 0, 'label'], value, hint }]. */
function wordingFields(template, path = []) {
  if (Array.isArray(template)) return template.flatMap((item, index) => wordingFields(item, [...path, index]));
  if (template === null || typeof template !== 'object') return [];
  return Object.entries(template).flatMap(([key, value]) => {
    if (typeof value === 'string') {
      if (!wordingKeys.has(key)) return [];
      const hint = key === 'label' && typeof template.intent === 'string' ? t('content.opens', { intent: template.intent }) : key === 'label' && typeof template.answer === 'string' ? t('content.answers', { answer: template.answer }) : null;
      return [{ path: [...path, key], value, hint }];
    }
    return wordingFields(value, [...path, key]);
  });
}

function wordingLabel(path) {
  const parts = [];
  for (let index = 0; index < path.length; index += 1) {
    const key = path[index];
    const next = path[index + 1];
    if (key === 'card') continue;
    if (typeof next === 'number') {
      parts.push(t(`content.parts.${key}Item`, { n: next + 1 }));
      index += 1;
      // A button has one wording, its label: "Button 2", not "Button 2 · label".
      if (key === 'choices' && path[index + 1] === 'label') break;
    } else parts.push(t(`content.parts.${key}`));
  }
  return parts.join(' · ');
}

function setIn(target, path, value) {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path.at(-1)] = value;
}
