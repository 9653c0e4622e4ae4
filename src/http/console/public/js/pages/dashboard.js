import { api, query } from '../api.js';
import { loadChart, palette, translucent } from '../charts.js';
import { h, replace, spinner } from '../dom.js';
import { describeError, field, input } from '../forms.js';
import { formatNumber, locale, localized, t } from '../i18n.js';
import { navigate } from '../router.js';
import { loadTierNames } from '../tiers.js';

const presets = [7, 30, 90];
const defaultPreset = 30;
const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

// The programme's today (a day in LOYALTY_TIMEZONE, by the server's clock), learnt from the first answer.
let programmeToday = null;
let charts = [];

export function title() {
  return t('dashboard.title');
}

/** `#/dashboard?days=7` (a preset ending today) or `#/dashboard?from=2026-11-01&to=2026-11-23`. */
export async function render(view, { query: params }) {
  for (const chart of charts) chart.destroy();
  charts = [];
  const range = rangeOf(params);
  const body = h('div', { class: 'dashboard', 'aria-live': 'polite', 'aria-busy': 'true' }, loadingCard());
  const zoneNote = h('p', { class: 'hint dashboard-zone' });
  replace(view, h('div', { class: 'page-header' }, h('h1', null, t('dashboard.title')), rangePicker(range, zoneNote)), body);

  let dashboard, rewardNames, tierNames, Chart;
  try {
    [dashboard, rewardNames, tierNames, Chart] = await Promise.all([fetchRange(range), fetchRewardNames(), loadTierNames(), loadChart()]);
  } catch (error) {
    body.removeAttribute('aria-busy');
    replace(body, h('div', { class: 'notice notice-error', role: 'alert' }, describeError(error)));
    return;
  }
  zoneNote.textContent = t('dashboard.zone', { zone: dashboard.timezone, from: dashboard.from, to: dashboard.to });
  view.querySelector('input[name="from"]').value = dashboard.from;
  view.querySelector('input[name="to"]').value = dashboard.to;
  const days = dashboard.days;
  if (!days.some((day) => day.totalMembers > 0 || day.newSignups > 0)) {
    body.removeAttribute('aria-busy');
    replace(body, emptyState());
    return;
  }
  const today = programmeToday ?? dayIn(dashboard.timezone);
  replace(body, ...layout(days, today, { Chart, rewardNames, tierNames }));
  body.removeAttribute('aria-busy');
  body.dataset.ready = 'true';
}

function rangeOf(params) {
  const from = params.get('from');
  const to = params.get('to');
  if (from && to && dayPattern.test(from) && dayPattern.test(to)) return { from, to };
  const days = Number(params.get('days'));
  return { preset: presets.includes(days) ? days : defaultPreset };
}

async function fetchRange(range) {
  if (range.from) return api.get(`/analytics/dashboard${query({ from: range.from, to: range.to })}`);
  if (programmeToday === null || range.preset <= defaultPreset) {
    // Without from and to the API answers the last 30 days ending today: shorter presets are its tail.
    const recent = await api.get('/analytics/dashboard');
    programmeToday = recent.to;
    if (range.preset <= defaultPreset) return { ...recent, from: recent.days.at(-range.preset)?.day ?? recent.from, days: recent.days.slice(-range.preset) };
  }
  return api.get(`/analytics/dashboard${query({ from: addDays(programmeToday, 1 - range.preset), to: programmeToday })}`);
}

async function fetchRewardNames() {
  try {
    const page = await api.get('/rewards?limit=100');
    return new Map(page.rewards.map((reward) => [reward.id, localized(reward.name)]));
  } catch {
    return new Map();
  }
}

/** Today in the programme's time zone by this browser's clock, for a custom range opened before any preset. */
function dayIn(zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

function addDays(day, count) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + count);
  return date.toISOString().slice(0, 10);
}

function rangePicker(range, zoneNote) {
  const from = input({ type: 'date', name: 'from', value: range.from ?? '', required: true });
  const to = input({ type: 'date', name: 'to', value: range.to ?? '', required: true });
  const form = h(
    'form',
    { class: 'range-picker', 'aria-label': t('dashboard.range') },
    h(
      'div',
      { class: 'segmented', role: 'group', 'aria-label': t('dashboard.presets') },
      presets.map((days) =>
        h('a', { class: 'segmented-option', href: `#/dashboard${query({ days })}`, 'aria-current': range.preset === days ? 'true' : null }, t('dashboard.lastDays', { days })),
      ),
    ),
    field(t('dashboard.from'), from),
    field(t('dashboard.to'), to),
    h('button', { type: 'submit', class: 'button' }, t('dashboard.apply')),
    zoneNote,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!from.value || !to.value) return;
    const [start, end] = from.value <= to.value ? [from.value, to.value] : [to.value, from.value];
    navigate(`#/dashboard${query({ from: start, to: end })}`);
  });
  return form;
}

function loadingCard() {
  return h('section', { class: 'card dashboard-loading' }, spinner(), h('span', null, t('dashboard.loading')));
}

function emptyState() {
  return h(
    'section',
    { class: 'card dashboard-empty' },
    h('h2', null, t('dashboard.emptyTitle')),
    h('p', null, t('dashboard.emptyText')),
    h('p', { class: 'muted' }, t('dashboard.emptyDemo')),
  );
}

function layout(days, today, context) {
  const finished = days.filter((day) => day.day < today);
  const latest = finished.at(-1) ?? days.at(-1);
  const previous = finished.at(-2);
  const last = days.at(-1);
  const sum = (pick) => days.reduce((total, day) => total + pick(day), 0);
  const redemptions = sum((day) => Object.values(day.redemptionsByReward).reduce((total, count) => total + count, 0));

  return [
    h(
      'section',
      { class: 'card headline' },
      h(
        'div',
        { class: 'headline-figure' },
        h('h2', null, t('dashboard.checkInRate')),
        h('p', { class: 'headline-value', dataset: { metric: 'checkInRate' } }, percent(latest.checkInRate)),
        h('p', { class: 'headline-detail' }, t('dashboard.checkInRateOn', { day: longDay(latest.day), checkedIn: formatNumber(latest.checkedIn), active: formatNumber(latest.activeMembers) })),
        change(latest, previous),
        h('p', { class: 'hint' }, t('dashboard.checkInRateDefinition')),
      ),
      chartBox('checkInRate', t('dashboard.checkInRateChart'), (canvas) => checkInRateChart(canvas, days, today, context)),
    ),
    h(
      'div',
      { class: 'stats' },
      stat(t('dashboard.totalMembers'), formatNumber(last.totalMembers)),
      stat(t('dashboard.newSignups'), formatNumber(sum((day) => day.newSignups))),
      stat(t('dashboard.activeMembers'), formatNumber(latest.activeMembers)),
      stat(t('dashboard.pointsIssued'), formatNumber(sum((day) => day.points.issued))),
      stat(t('dashboard.redemptions'), formatNumber(redemptions)),
    ),
    h(
      'div',
      { class: 'columns' },
      chartCard('members', t('dashboard.membersChart'), (canvas) => membersChart(canvas, days, context)),
      chartCard('points', t('dashboard.pointsChart'), (canvas) => pointsChart(canvas, days, today, context)),
    ),
    h(
      'div',
      { class: 'columns' },
      chartCard('rewards', t('dashboard.rewardsChart'), (canvas) => rewardsChart(canvas, days, context), redemptions === 0 ? t('dashboard.noRedemptions') : null),
      chartCard('channels', t('dashboard.channelsChart', { day: longDay(last.day) }), (canvas) => channelsChart(canvas, last, context)),
    ),
    chartCard('tiers', t('dashboard.tiersChart'), (canvas) => tiersChart(canvas, days, context)),
  ];
}

function percent(rate) {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toLocaleString(locale(), { maximumFractionDigits: 1 })}%`;
}

function change(latest, previous) {
  if (!previous || latest.checkInRate === null || previous.checkInRate === null) return null;
  const points = Math.round((latest.checkInRate - previous.checkInRate) * 1000) / 10;
  const kind = points > 0 ? 'up' : points < 0 ? 'down' : 'flat';
  const text = t(`dashboard.change.${kind}`, { points: Math.abs(points).toLocaleString(locale(), { maximumFractionDigits: 1 }) });
  return h('p', { class: `headline-change headline-change-${kind}` }, text);
}

function stat(label, value) {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-label' }, label), h('span', { class: 'stat-value' }, value));
}

function chartCard(name, heading, draw, note) {
  return h('section', { class: 'card chart-card' }, h('h2', null, heading), note ? h('p', { class: 'empty' }, note) : chartBox(name, heading, draw));
}

/** A canvas with its accessible name; the chart is drawn once the box is in the page and has a size. */
function chartBox(name, label, draw) {
  const canvas = h('canvas', { role: 'img', 'aria-label': label, dataset: { chart: name } });
  const box = h('div', { class: `chart-box chart-box-${name}` }, canvas);
  queueMicrotask(() => {
    const chart = draw(canvas);
    if (chart) charts.push(chart);
  });
  return box;
}

const dayFormats = new Map();
function shortDay(day) {
  const key = `short-${locale()}`;
  if (!dayFormats.has(key)) dayFormats.set(key, new Intl.DateTimeFormat(locale(), { month: 'numeric', day: 'numeric', timeZone: 'UTC' }));
  return dayFormats.get(key).format(new Date(`${day}T00:00:00Z`));
}

function longDay(day) {
  const key = `long-${locale()}`;
  if (!dayFormats.has(key)) dayFormats.set(key, new Intl.DateTimeFormat(locale(), { month: 'long', day: 'numeric', weekday: 'short', timeZone: 'UTC' }));
  return dayFormats.get(key).format(new Date(`${day}T00:00:00Z`));
}

const countTicks = { precision: 0, callback: (value) => formatNumber(value) };

function axisTitle(text) {
  return { display: true, text, font: { weight: '600' } };
}

/** Today is not over: its line is drawn dashed so a low morning figure does not read as a drop. */
function dashedFrom(partial) {
  return { borderDash: (context) => (partial >= 0 && context.p1DataIndex >= partial ? [5, 4] : undefined) };
}

function checkInRateChart(canvas, days, today, { Chart }) {
  const partial = days.findIndex((day) => day.day >= today);
  return new Chart(canvas, {
    type: 'line',
    data: {
      labels: days.map((day) => shortDay(day.day)),
      datasets: [
        {
          label: t('dashboard.checkInRate'),
          data: days.map((day) => (day.checkInRate === null ? null : Math.round(day.checkInRate * 1000) / 10)),
          borderColor: palette[0],
          backgroundColor: translucent(palette[0], 0.12),
          fill: true,
          tension: 0.25,
          pointRadius: days.length > 45 ? 0 : 2.5,
          segment: dashedFrom(partial),
        },
      ],
    },
    options: {
      scales: {
        y: { min: 0, max: 100, ticks: { callback: (value) => `${value}%` }, title: axisTitle(t('dashboard.axisRate')) },
        x: { ticks: { maxRotation: 0, autoSkipPadding: 12 } },
      },
      plugins: {
        legend: { display: true, position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (item) => `${item.dataset.label}: ${item.formattedValue}%${partial >= 0 && item.dataIndex >= partial ? ` (${t('dashboard.soFarToday')})` : ''}`,
          },
        },
      },
    },
  });
}

function membersChart(canvas, days, { Chart }) {
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: days.map((day) => shortDay(day.day)),
      datasets: [
        {
          type: 'line',
          label: t('dashboard.totalMembers'),
          data: days.map((day) => day.totalMembers),
          borderColor: palette[1],
          backgroundColor: palette[1],
          pointRadius: 0,
          tension: 0.2,
          yAxisID: 'y',
        },
        { type: 'bar', label: t('dashboard.newSignupsPerDay'), data: days.map((day) => day.newSignups), backgroundColor: translucent(palette[0], 0.75), yAxisID: 'signups' },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, position: 'left', ticks: countTicks, title: axisTitle(t('dashboard.axisMembers')) },
        signups: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, ticks: countTicks, title: axisTitle(t('dashboard.axisSignups')) },
        x: { ticks: { maxRotation: 0, autoSkipPadding: 12 } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

function pointsChart(canvas, days, today, { Chart }) {
  const partial = days.findIndex((day) => day.day >= today);
  const series = [
    ['issued', palette[0]],
    ['redeemed', palette[1]],
    ['expired', palette[5]],
  ];
  return new Chart(canvas, {
    type: 'line',
    data: {
      labels: days.map((day) => shortDay(day.day)),
      datasets: series.map(([kind, colour]) => ({
        label: t(`dashboard.points.${kind}`),
        data: days.map((day) => day.points[kind]),
        borderColor: colour,
        backgroundColor: colour,
        pointRadius: 0,
        tension: 0.2,
        segment: dashedFrom(partial),
      })),
    },
    options: {
      scales: {
        y: { beginAtZero: true, ticks: countTicks, title: axisTitle(t('dashboard.axisPoints')) },
        x: { ticks: { maxRotation: 0, autoSkipPadding: 12 } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

function rewardsChart(canvas, days, { Chart, rewardNames }) {
  const totals = new Map();
  for (const day of days) for (const [reward, count] of Object.entries(day.redemptionsByReward)) totals.set(reward, (totals.get(reward) ?? 0) + count);
  const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 10);
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: rows.map(([reward]) => rewardNames.get(reward) || reward),
      datasets: [
        { label: t('dashboard.redemptions'), data: rows.map(([, count]) => count), backgroundColor: rows.map((_, index) => palette[index % palette.length]), maxBarThickness: 36 },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: { x: { beginAtZero: true, ticks: countTicks, title: axisTitle(t('dashboard.axisRedemptions')) }, y: { grid: { display: false } } },
      plugins: { legend: { display: false } },
    },
  });
}

function channelsChart(canvas, day, { Chart }) {
  const entries = Object.entries(day.channelMix).filter(([, count]) => count > 0);
  return new Chart(canvas, {
    type: 'doughnut',
    data: {
      labels: entries.map(([channel]) => t(`channels.${channel}`)),
      datasets: [{ label: t('dashboard.axisMembers'), data: entries.map(([, count]) => count), backgroundColor: entries.map((_, index) => palette[index % palette.length]), borderWidth: 1 }],
    },
    options: {
      cutout: '55%',
      plugins: {
        legend: {
          position: 'right',
          labels: {
            // The legend names each channel with its count: the figure readers come for.
            generateLabels: (chart) =>
              Chart.overrides.doughnut.plugins.legend.labels.generateLabels(chart).map((label, index) => ({ ...label, text: `${label.text}  ${formatNumber(entries[index][1])}` })),
          },
        },
      },
    },
  });
}

function tiersChart(canvas, days, { Chart, tierNames }) {
  const seen = new Set(days.flatMap((day) => Object.keys(day.tierMix)));
  const tiers = [...[...tierNames.keys()].filter((tier) => seen.has(tier)), ...[...seen].filter((tier) => !tierNames.has(tier))];
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: days.map((day) => shortDay(day.day)),
      datasets: tiers.map((tier, index) => ({
        label: tierNames.has(tier) ? localized(tierNames.get(tier)) : tier,
        data: days.map((day) => day.tierMix[tier] ?? 0),
        backgroundColor: palette[(index + 1) % palette.length],
        stack: 'tiers',
      })),
    },
    options: {
      scales: {
        x: { stacked: true, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: { stacked: true, beginAtZero: true, ticks: countTicks, title: axisTitle(t('dashboard.axisMembers')) },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}
