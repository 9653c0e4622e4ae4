import { h, replace } from './dom.js';
import { t } from './i18n.js';

/**
 * A YAML textarea with line numbers. The textarea grows with its text inside one scrolling box, so
 * the gutter and the error bands beside each line scroll with it and never need syncing.
 * `showProblems([{ line, column, message }])` marks those lines: a red number and the message on the line.
 */
export function yamlEditor({ value = '', label, lang, readOnly = false, onInput }) {
  const gutter = h('div', { class: 'yaml-gutter', 'aria-hidden': 'true' });
  const marks = h('div', { class: 'yaml-marks', 'aria-hidden': 'true' });
  const textarea = h('textarea', {
    class: 'yaml-text',
    wrap: 'off',
    spellcheck: 'false',
    autocapitalize: 'off',
    autocomplete: 'off',
    'aria-label': label,
    lang,
    readonly: readOnly || null,
  });
  // For screen readers (the textarea's description); sighted people read the bands and the form's list.
  const problemList = h('ul', { class: 'visually-hidden' });
  problemList.id = `yaml-problems-${Math.random().toString(36).slice(2, 9)}`;
  textarea.setAttribute('aria-describedby', problemList.id);
  const code = h('div', { class: 'yaml-code' }, marks, textarea);
  const element = h('div', { class: 'yaml-editor' }, h('div', { class: 'yaml-scroll' }, gutter, code), problemList);
  let lineCount = 0;
  let problemLines = new Map();

  const layout = () => {
    const lines = textarea.value.split('\n').length;
    if (lines !== lineCount) {
      lineCount = lines;
      drawGutter();
    }
    textarea.style.height = `${lines * lineHeight + verticalPadding * 2 + scrollbarAllowance}px`;
  };
  const drawGutter = () => {
    replace(
      gutter,
      Array.from({ length: lineCount }, (_, index) => {
        const message = problemLines.get(index + 1);
        return h('div', { class: ['yaml-line-number', message && 'yaml-line-error'], title: message ?? null }, String(index + 1));
      }),
    );
  };

  textarea.addEventListener('input', () => {
    layout();
    onInput?.();
  });
  textarea.addEventListener('keydown', (event) => indentKeys(event, textarea));

  const editor = {
    element,
    textarea,
    get value() {
      return textarea.value;
    },
    set value(text) {
      textarea.value = text;
      layout();
    },
    /** Marks lines; problems without a line go only to the list under the editor. */
    showProblems(problems) {
      problemLines = new Map();
      replace(marks);
      for (const problem of problems) {
        if (!problem.line) continue;
        const previous = problemLines.get(problem.line);
        problemLines.set(problem.line, previous ? `${previous}; ${problem.message}` : problem.message);
      }
      for (const [line, message] of problemLines) {
        const band = h('div', { class: 'yaml-mark' }, h('span', { class: 'yaml-mark-message' }, `⚠ ${message}`));
        band.style.top = `${verticalPadding + (line - 1) * lineHeight}px`;
        marks.append(band);
      }
      replace(
        problemList,
        problems.map((problem) =>
          h('li', null, problem.line ? h('span', { class: 'yaml-problem-where' }, t('content.lineColumn', { line: problem.line, column: problem.column ?? '—' })) : null, problem.message),
        ),
      );
      // With marks, the text gives up the right-hand column to the messages so none covers code.
      code.classList.toggle('yaml-code-marked', problemLines.size > 0);
      if (problems.length > 0) textarea.setAttribute('aria-invalid', 'true');
      else textarea.removeAttribute('aria-invalid');
      drawGutter();
    },
    clearProblems() {
      editor.showProblems([]);
    },
    /** Puts the caret on a line (1-based) and scrolls it into view. */
    focusLine(line, column = 1) {
      const lines = textarea.value.split('\n');
      const offset = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0) + Math.max(0, column - 1);
      textarea.focus({ preventScroll: true });
      textarea.setSelectionRange(offset, offset);
      const scroller = element.querySelector('.yaml-scroll');
      scroller.scrollTop = Math.max(0, verticalPadding + (line - 3) * lineHeight);
    },
  };
  editor.value = value;
  return editor;
}

// Must match .yaml-text / .yaml-gutter in content.css.
const lineHeight = 20;
const verticalPadding = 8;
const scrollbarAllowance = 16;

/** Tab indents by two spaces (YAML refuses tabs); Enter keeps the line's indentation. Escape, then Tab, leaves. */
let escaped = false;
function indentKeys(event, textarea) {
  if (textarea.readOnly) return;
  if (event.key === 'Escape') {
    escaped = true;
    return;
  }
  if (event.key === 'Tab' && !event.shiftKey && !escaped) {
    event.preventDefault();
    insert(textarea, '  ');
  } else if (event.key === 'Enter' && !event.isComposing) {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const indent = /[^\n]*$/.exec(before)[0].match(/^[ ]*(- )?/)[0].replace('- ', '  ');
    event.preventDefault();
    insert(textarea, `\n${indent}`);
  }
  escaped = false;
}

function insert(textarea, text) {
  // execCommand keeps the browser's undo history; setRangeText is the fallback where it is gone.
  if (!document.execCommand?.('insertText', false, text)) {
    textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, 'end');
    textarea.dispatchEvent(new Event('input'));
  }
}

/**
 * The line (1-based) where a validation path such as `checkin.awarded.choices.1.label` or
 * `steps.ask-mobile.next` sits in YAML text; the nearest ancestor found when the leaf is not.
 * Template ids hold dots, so the longest top-level key that prefixes the path wins.
 */
export function lineOfPath(text, path) {
  if (!path) return undefined;
  const lines = text.split('\n');
  const segments = String(path).split('.');
  const topLevel = new Map();
  lines.forEach((line, index) => {
    const match = /^(["']?)([^\s#"'-][^:]*?)\1\s*:(\s|$)/.exec(line);
    if (match && !topLevel.has(match[2])) topLevel.set(match[2], index);
  });
  let current;
  let rest = [];
  for (let count = segments.length; count > 0; count -= 1) {
    const key = segments.slice(0, count).join('.');
    if (topLevel.has(key)) {
      current = topLevel.get(key);
      rest = segments.slice(count);
      break;
    }
  }
  if (current === undefined) return undefined;
  let indent = 0;
  for (const segment of rest) {
    const found = childLine(lines, current, indent, segment);
    if (!found) break;
    if (found.inline) return found.index + 1;
    ({ index: current, indent } = found);
  }
  return current + 1;
}

function childLine(lines, parent, parentIndent, segment) {
  const isIndex = /^\d+$/.test(segment);
  // A flow mapping on the parent's own line (`progress: { label: …, ratio: … }`) holds its children inline.
  if (!isIndex && new RegExp(`[{,]\\s*${escapeRegExp(segment)}\\s*:`).test(lines[parent])) return { index: parent, inline: true };
  // A block list item's first key sits on the dash's line (`- label: …`).
  if (!isIndex && new RegExp(`^\\s*- (["']?)${escapeRegExp(segment)}\\1\\s*:`).test(lines[parent])) return { index: parent, inline: true };
  let itemIndent;
  let items = -1;
  for (let index = parent + 1; index < lines.length; index += 1) {
    const line = lines[index];
    const trimmed = line.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indent = line.length - trimmed.length;
    if (indent <= parentIndent) return null;
    if (isIndex) {
      if (!trimmed.startsWith('- ') && trimmed !== '-') continue;
      itemIndent ??= indent;
      if (indent !== itemIndent) continue;
      items += 1;
      if (items === Number(segment)) return { index, indent };
    } else {
      const body = trimmed.startsWith('- ') ? trimmed.slice(2) : trimmed;
      if (new RegExp(`^(["']?)${escapeRegExp(segment)}\\1\\s*:`).test(body) || new RegExp(`[{,]\\s*${escapeRegExp(segment)}\\s*:`).test(body)) {
        return { index, indent, inline: body.startsWith('{') };
      }
    }
  }
  return null;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
