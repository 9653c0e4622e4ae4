// Every value from the API reaches the page through text nodes or attributes set one by one:
// nothing here, or in any page, parses a string as HTML, so marketer-edited wording stays text.

const safeHref = /^(#|\/(?!\/)|blob:)/;

/** h('a', { href: '#/rewards', class: 'button' }, 'Rewards'): an element; strings and numbers become text nodes. */
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'text') element.textContent = String(value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled' || key === 'hidden') element[key] = value;
    else if ((key === 'href' || key === 'src') && !safeHref.test(String(value))) throw new Error(`Refusing ${key} ${value}: only same-origin links`);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces everything inside `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** A table from rows; `columns` are [header, row → cell content]. An empty list shows `empty`. */
export function table(columns, rows, { empty, caption } = {}) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty ?? '—');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      null,
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h('thead', null, h('tr', null, columns.map(([header, , options]) => h('th', { scope: 'col', class: cellClass(options) }, header)))),
      h('tbody', null, rows.map((row) => h('tr', null, columns.map(([, cell, options]) => h('td', { class: cellClass(options) }, cell(row)))))),
    ),
  );
}

function cellClass(options) {
  return [options?.numeric && 'numeric', options?.nowrap && 'nowrap'].filter(Boolean).join(' ') || null;
}

/** A definition list of [label, value] pairs. */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([label, value]) => h('div', null, h('dt', null, label), h('dd', null, value ?? '—'))));
}

export function badge(text, kind = 'neutral') {
  return h('span', { class: `badge badge-${kind}` }, text);
}

export function spinner() {
  return h('span', { class: 'spinner', 'aria-hidden': 'true' });
}
