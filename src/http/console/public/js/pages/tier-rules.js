import { api, query } from '../api.js';
import { choose } from '../dialogs.js';
import { facts, h, replace } from '../dom.js';
import { clearErrors, field, formStatus, input, integerOf, progress, select, showErrors, showStatus, submitting, toast } from '../forms.js';
import { formatNumber, t } from '../i18n.js';
import { followJobRun } from '../job-runs.js';
import { link } from '../router.js';
import { canWrite } from '../session.js';
import { forgetTierNames, tierNamer } from '../tiers.js';

const bases = ['rolling12Months', 'calendarYear', 'lifetime'];
const downgradeModes = ['never', 'oneTierAtATime', 'toQualifiedTier'];

export function title() {
  return t('tierRules.title');
}

/**
 * A form over GET/PUT /admin/api/tier-rules. "Dry run" sends the draft to POST /tier-rules/dry-run,
 * which counts who would move without moving anyone. Publishing asks whether members move now or
 * at the next nightly recalculation (`?recalculate=now|nextRun`). A dry run and a recalculation
 * now run in the background (a million members take about half a minute): the page follows the
 * run's status URL and shows how many members are done.
 */
export async function render(view) {
  const rules = await api.get('/tier-rules');
  const canPublish = canWrite('/tier-rules');
  // The dry run lives under /tier-rules, so whoever may publish the rules may try them first.
  const canDryRun = canPublish;
  const rows = h('tbody', null);
  const addRow = (tier) => rows.append(tierRow(tier, rows));
  rules.tiers.forEach(addRow);

  const basis = select(bases.map((name) => [name, t(`tierRules.bases.${name}`)]), { value: rules.basis });
  const mode = select(downgradeModes.map((name) => [name, t(`tierRules.modes.${name}`)]), { value: rules.downgrade.mode });
  const graceDays = input({ type: 'number', min: '0', step: '1', value: rules.downgrade.graceDays });
  const dryRunResult = h('div', { class: 'dry-run', 'aria-live': 'polite' });
  const dryRunButton = h('button', { type: 'button', class: 'button' }, t('tierRules.dryRun'));

  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-label': t('tierRules.title') },
    h('p', { class: 'muted' }, t('tierRules.intro')),
    formStatus(),
    h(
      'fieldset',
      { disabled: !canPublish && !canDryRun },
      h('legend', null, t('tierRules.tiers')),
      h(
        'div',
        { class: 'table-wrap', dataset: { fieldFor: 'tiers' } },
        h(
          'table',
          { class: 'tier-table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { scope: 'col' }, t('tierRules.id')),
              h('th', { scope: 'col' }, t('rewards.nameZh')),
              h('th', { scope: 'col' }, t('rewards.nameEn')),
              h('th', { scope: 'col' }, t('tierRules.entry')),
              h('th', { scope: 'col' }, t('tierRules.retain')),
              h('th', { scope: 'col' }, t('tierRules.multiplier')),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('redemptions.actions'))),
            ),
          ),
          rows,
        ),
      ),
      h('button', { type: 'button', class: 'button button-ghost button-small', onclick: () => addRow(null) }, t('tierRules.addTier')),
      h(
        'div',
        { class: 'form-grid' },
        field(t('tierRules.basis'), basis, { path: 'basis', hint: t('tierRules.basisHint') }),
        field(t('tierRules.mode'), mode, { path: 'downgrade.mode' }),
        field(t('tierRules.graceDays'), graceDays, { path: 'downgrade.graceDays', hint: t('tierRules.graceDaysHint') }),
      ),
    ),
    h(
      'div',
      { class: 'form-actions' },
      canDryRun ? dryRunButton : null,
      canPublish ? h('button', { type: 'submit', class: 'button button-primary' }, t('tierRules.publish')) : null,
    ),
    dryRunResult,
  );

  const draft = () => ({
    tiers: Array.from(rows.children).map((row) => {
      const value = (name) => row.querySelector(`[data-name="${name}"]`).value;
      return {
        id: value('id').trim(),
        name: { 'zh-TW': value('zh-TW'), en: value('en') },
        entryThreshold: integerOf(value('entryThreshold')),
        retainThreshold: integerOf(value('retainThreshold')),
        earnMultiplier: decimalOf(value('earnMultiplier')),
      };
    }),
    basis: basis.value,
    downgrade: { mode: mode.value, graceDays: integerOf(graceDays.value) },
  });
  // Rows can be added, removed and moved: the API's paths (tiers.2.id) follow the rows' current order.
  const renumber = () =>
    Array.from(rows.children).forEach((row, index) => {
      for (const control of row.querySelectorAll('[data-name]')) {
        const path = `tiers.${index}.${control.dataset.name === 'zh-TW' || control.dataset.name === 'en' ? `name.${control.dataset.name}` : control.dataset.name}`;
        control.dataset.path = path;
        control.closest('[data-field-for]').dataset.fieldFor = path;
      }
    });
  new MutationObserver(renumber).observe(rows, { childList: true });
  renumber();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const recalculate = await choose({
      title: t('tierRules.whenTitle'),
      message: t('tierRules.whenMessage'),
      cancel: t('common.cancel'),
      choices: [
        { value: 'nextRun', label: t('tierRules.whenNextRun') },
        { value: 'now', label: t('tierRules.whenNow'), kind: 'primary' },
      ],
    });
    if (!recalculate) return;
    if (recalculate === 'nextRun') {
      const published = await submitting(form, () => api.put(`/tier-rules${query({ recalculate })}`, draft()));
      if (!published) return;
      forgetTierNames();
      showPublished(published.recalculation);
      replace(dryRunResult);
      return;
    }
    const bar = progress(t('tierRules.recalculating'));
    replace(dryRunResult, bar.element);
    const recalculation = await submitting(form, async () => {
      const published = await api.put(`/tier-rules${query({ recalculate, background: 'true' })}`, draft());
      forgetTierNames();
      // 200 without a run: another server is recalculating, and its next run applies these rules.
      if (!published.statusUrl) return published.recalculation;
      const run = await followJobRun(published.statusUrl, { onProgress: showRunProgress(bar), keepFollowing: () => bar.element.isConnected });
      return run && recalculationOf(run);
    });
    bar.done();
    if (!recalculation) return;
    if (recalculation.status === 'failed') {
      showStatus(form, 'error', t('tierRules.publishedRunFailed'), [recalculation.error.message]);
      replace(dryRunResult);
      return;
    }
    showPublished(recalculation);
    replace(dryRunResult, recalculation.run ? runReport(recalculation.run, await tierNamer(), 'moved') : null);
  });

  const showPublished = (recalculation) => {
    const message = publishedMessage(recalculation);
    showStatus(form, 'success', message);
    toast(message);
  };

  dryRunButton.addEventListener('click', async () => {
    clearErrors(form);
    const bar = progress(t('tierRules.dryRunning'));
    replace(dryRunResult, bar.element);
    dryRunButton.disabled = true;
    try {
      const started = await api.post('/tier-rules/dry-run', { rules: draft(), background: true });
      const ended = await followJobRun(started.statusUrl, { onProgress: showRunProgress(bar), keepFollowing: () => bar.element.isConnected });
      if (!ended) return;
      if (ended.state === 'leaseHeld') {
        showStatus(form, 'info', t('tierRules.alreadyRunning'));
        replace(dryRunResult);
        return;
      }
      if (ended.state === 'failed') {
        showStatus(form, 'error', t('tierRules.dryRunFailed'), [ended.error.message]);
        replace(dryRunResult);
        return;
      }
      const run = ended.result;
      showStatus(form, 'info', t('tierRules.dryRunDone', { seconds: (run.durationMs / 1000).toFixed(1) }));
      replace(dryRunResult, runReport(run, await tierNamer(), 'dryRun'));
    } catch (error) {
      // The dry run reports a broken draft as `rules.tiers.1.id`; the form's fields are named `tiers.1.id`.
      error.details = (error.details ?? []).map((detail) => ({ ...detail, path: String(detail.path).replace(/^rules\./, '') }));
      showErrors(form, error);
      replace(dryRunResult);
    } finally {
      bar.done();
      dryRunButton.disabled = false;
    }
  });

  replace(view, h('h1', null, t('tierRules.title')), form);
}

function tierRow(tier, rows) {
  const cell = (name, props, path) =>
    h('td', { dataset: { fieldFor: path } }, h('input', { ...props, dataset: { name }, 'aria-label': t(`tierRules.columns.${name}`) }));
  const remove = h('button', { type: 'button', class: 'button button-small button-danger-ghost', 'aria-label': t('tierRules.remove') }, '✕');
  const up = h('button', { type: 'button', class: 'button button-small button-ghost', 'aria-label': t('tierRules.moveUp') }, '↑');
  const row = h(
    'tr',
    null,
    cell('id', { type: 'text', value: tier?.id ?? '', size: '10', autocomplete: 'off' }),
    cell('zh-TW', { type: 'text', value: tier?.name['zh-TW'] ?? '', lang: 'zh-Hant-TW' }),
    cell('en', { type: 'text', value: tier?.name.en ?? '', lang: 'en' }),
    cell('entryThreshold', { type: 'number', min: '0', step: '1', value: tier?.entryThreshold ?? '' }),
    cell('retainThreshold', { type: 'number', min: '0', step: '1', value: tier?.retainThreshold ?? '' }),
    cell('earnMultiplier', { type: 'number', min: '1', max: '10', step: '0.01', inputmode: 'decimal', value: tier?.earnMultiplier ?? 1 }),
    h('td', { class: 'row-actions' }, up, remove),
  );
  remove.addEventListener('click', () => row.remove());
  up.addEventListener('click', () => row.previousElementSibling && rows.insertBefore(row, row.previousElementSibling));
  return row;
}

/** Shows a run's reading on the bar: "1,200 / 5,000 members" and the percentage, once the run has counted its members. */
function showRunProgress(bar) {
  return (run) => {
    if (run.total === null) return;
    const fraction = run.total === 0 ? 1 : run.processed / run.total;
    bar.update(fraction, t('tierRules.progressCount', { processed: formatNumber(run.processed), total: formatNumber(run.total) }));
  };
}

/** A finished background recalculation in the shape the synchronous publish answers (`recalculation`). */
function recalculationOf(run) {
  if (run.state === 'succeeded') return { when: 'now', status: 'completed', run: run.result };
  if (run.state === 'leaseHeld') return { when: 'now', status: 'alreadyRunning' };
  return { when: 'now', status: 'failed', error: run.error };
}

/** What publishing did: "members move at the next nightly run", or how many moved just now. */
function publishedMessage(recalculation) {
  if (recalculation?.when !== 'now') return t('tierRules.publishedNextRun');
  if (recalculation.status === 'alreadyRunning') return t('tierRules.publishedAlreadyRunning');
  return t('tierRules.publishedNow', { upgrades: formatNumber(recalculation.run.upgrades), downgrades: formatNumber(recalculation.run.downgrades) });
}

/** A dry run's counts ("would move") or a real run's ("moved"), with sample members. */
function runReport(run, tierName, mode) {
  const samples = Object.entries(run.samples ?? {});
  const heading = mode === 'dryRun' ? t('tierRules.dryRunResult') : t('tierRules.recalculationResult');
  return h(
    'section',
    { class: 'dry-run-report', 'aria-label': heading },
    h('h2', null, heading),
    h(
      'div',
      { class: 'stats' },
      h('div', { class: 'stat stat-up' }, h('span', { class: 'stat-label' }, t(mode === 'dryRun' ? 'tierRules.upgrades' : 'tierRules.movedUp')), h('span', { class: 'stat-value', dataset: { testid: 'upgrades' } }, formatNumber(run.upgrades))),
      h('div', { class: 'stat stat-down' }, h('span', { class: 'stat-label' }, t(mode === 'dryRun' ? 'tierRules.downgrades' : 'tierRules.movedDown')), h('span', { class: 'stat-value', dataset: { testid: 'downgrades' } }, formatNumber(run.downgrades))),
      h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, t('tierRules.unchanged')), h('span', { class: 'stat-value', dataset: { testid: 'unchanged' } }, formatNumber(run.unchanged))),
    ),
    samples.length === 0
      ? h('p', { class: 'muted' }, t(mode === 'dryRun' ? 'tierRules.noMoves' : 'tierRules.nobodyMoved'))
      : h(
          'div',
          null,
          h('h3', null, t('tierRules.samples')),
          facts(samples.map(([move, members]) => [move.split('→').map(tierName).join(' → '), h('span', { class: 'sample-list' }, members.map((id) => h('a', { href: link('members', id) }, id)))])),
        ),
    mode === 'dryRun' ? h('p', { class: 'fine-print' }, t('tierRules.dryRunNote')) : null,
  );
}

/** A decimal input's value as a number, or the text itself so the API names the mistake. */
function decimalOf(value) {
  const trimmed = String(value).trim();
  if (trimmed === '') return undefined;
  return /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}
