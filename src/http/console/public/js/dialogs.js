import { h } from './dom.js';

/**
 * A modal question in the page (a <dialog>, not window.confirm): `choices` are buttons, the first
 * `primary` one is focused; Escape or "Cancel" answers null. Resolves with the chosen `value`.
 */
export function choose({ title, message, body, choices, cancel }) {
  return new Promise((resolve) => {
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h('h2', { id: 'dialog-title' }, title),
      message ? h('p', null, message) : null,
      body ?? null,
      h(
        'div',
        { class: 'dialog-actions' },
        cancel ? h('button', { type: 'button', class: 'button button-ghost', dataset: { value: '' } }, cancel) : null,
        choices.map((choice) =>
          h('button', { type: 'button', class: ['button', choice.kind && `button-${choice.kind}`], dataset: { value: choice.value } }, choice.label),
        ),
      ),
    );
    let answer = null;
    dialog.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-value]');
      if (!button) return;
      answer = button.dataset.value === '' ? null : button.dataset.value;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('.button-primary, .button-danger')?.focus();
  });
}

/** Yes or no: resolves true when the `confirm` button was pressed. */
export async function confirmAction({ title, message, body, confirm, cancel, danger = false }) {
  const answer = await choose({ title, message, body, cancel, choices: [{ value: 'yes', label: confirm, kind: danger ? 'danger' : 'primary' }] });
  return answer === 'yes';
}
