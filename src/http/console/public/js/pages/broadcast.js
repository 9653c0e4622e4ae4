import { api, query } from '../api.js';
import { confirmAction } from '../dialogs.js';
import { badge, facts, h, replace, table } from '../dom.js';
import { describeError, field, select, toast } from '../forms.js';
import { formatDateTime, formatNumber, t } from '../i18n.js';
import { staticMessage } from '../preview-chat.js';
import { link, navigate } from '../router.js';
import { canWrite } from '../session.js';
import { statusBadgeKind } from './broadcasts.js';

const pollEveryMs = 1000;
const sendable = ['draft', 'scheduled', 'stoppedQuota'];
const cancellable = ['draft', 'scheduled', 'stoppedQuota', 'sending'];
const outcomes = ['sent', 'skipped', 'failed'];
const resultsPerPage = 50;

export function title() {
  return t('broadcasts.detail');
}

export async function render(view, { params, query: search }) {
  const id = params.id;
  const path = `/broadcasts/${encodeURIComponent(id)}`;
  const broadcast = await api.get(path);
  const segmentName = await api.get(`/segments/${encodeURIComponent(broadcast.segmentId)}`).then((found) => found.name, () => broadcast.segmentId);
  const writable = canWrite('/broadcasts');

  const header = h('div', { class: 'page-header' });
  const summary = h('section', { class: 'card' });
  const previewCard = h('section', { class: 'card broadcast-preview' });
  const costCard = h('section', { class: 'card broadcast-cost', 'aria-live': 'polite' });
  const progressCard = h('section', { class: 'card broadcast-progress', 'aria-live': 'polite' });
  const resultsCard = h('section', { class: 'card' });
  replace(
    view,
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/broadcasts' }, t('broadcasts.title')), ' / ', id),
    header,
    summary,
    previewCard,
    costCard,
    progressCard,
    resultsCard,
  );

  let current = broadcast;
  let polling = false;

  const show = async (next, { withCost = false, withResults = false } = {}) => {
    current = next;
    replace(
      header,
      h('h1', null, next.name, ' ', badge(t(`broadcasts.statuses.${next.status}`), statusBadgeKind[next.status])),
      h(
        'div',
        { class: 'button-row' },
        writable && sendable.includes(next.status) && !polling ? h('button', { type: 'button', class: 'button button-primary', onclick: send }, t('broadcasts.sendNow')) : null,
        writable && cancellable.includes(next.status) ? h('button', { type: 'button', class: 'button button-danger-ghost', onclick: cancel }, t('broadcasts.cancel')) : null,
      ),
    );
    replace(summary, summaryOf(next, segmentName));
    costCard.hidden = !sendable.includes(next.status) || polling;
    if (withCost && !costCard.hidden) await showCost(costCard, path);
    const started = next.status !== 'draft' && (next.startedAt !== null || total(next.counts) > 0 || polling);
    progressCard.hidden = !started;
    if (started) showProgress(progressCard, next, polling);
    resultsCard.hidden = !started;
    if (started && withResults) await showResults(resultsCard, path, { after: search.get('after'), status: search.get('status') });
  };

  const poll = async () => {
    if (!view.isConnected) return;
    let next;
    try {
      next = await api.get(path);
    } catch (error) {
      toast(describeError(error), 'error');
      setTimeout(poll, pollEveryMs * 3);
      return;
    }
    const due = next.status === 'scheduled' && next.scheduledAt && new Date(next.scheduledAt).getTime() <= Date.now() + pollEveryMs;
    polling = next.status === 'sending' || due;
    await show(next, { withResults: !polling || total(next.counts) !== total(current.counts) });
    if (polling) setTimeout(poll, pollEveryMs);
  };

  async function send() {
    const cost = await api.get(`${path}/cost`).catch(() => null);
    const sure = await confirmAction({
      title: t('broadcasts.confirmTitle'),
      message: t('broadcasts.confirmMessage', { name: current.name, segment: segmentName }),
      body: cost ? costSummary(cost) : null,
      confirm: t('broadcasts.confirmSend'),
      cancel: t('common.cancel'),
    });
    if (!sure) return;
    try {
      polling = true;
      await show(await api.post(`${path}/send`));
      setTimeout(poll, pollEveryMs / 2);
    } catch (error) {
      polling = false;
      toast(describeError(error), 'error');
      await show(await api.get(path), { withCost: true });
    }
  }

  async function cancel() {
    const sure = await confirmAction({
      title: t('broadcasts.cancelTitle'),
      message: t('broadcasts.cancelMessage', { name: current.name }),
      confirm: t('broadcasts.cancel'),
      cancel: t('common.back'),
      danger: true,
    });
    if (!sure) return;
    try {
      polling = false;
      await show(await api.post(`${path}/cancel`), { withResults: true });
      toast(t('broadcasts.cancelled'));
    } catch (error) {
      toast(describeError(error), 'error');
    }
  }

  await Promise.all([show(broadcast, { withCost: true, withResults: true }), showPreview(previewCard, path, broadcast.message.kind === 'template')]);
  if (broadcast.status === 'sending') {
    polling = true;
    setTimeout(poll, pollEveryMs);
  }
}

function total(counts) {
  return outcomes.reduce((sum, outcome) => sum + counts[outcome], 0) + counts.claimed;
}

function summaryOf(broadcast, segmentName) {
  const message =
    broadcast.message.kind === 'template'
      ? [[t('broadcasts.template'), h('code', null, broadcast.message.templateId)]]
      : Object.entries(broadcast.message.text).map(([language, text]) => [
          t(`broadcasts.textIn.${language}`),
          h('p', { class: 'message-text', lang: language === 'zh-TW' ? 'zh-Hant-TW' : 'en' }, text),
        ]);
  return [
    facts([
      [t('broadcasts.segment'), h('a', { href: link('segments', broadcast.segmentId) }, segmentName)],
      [t('broadcasts.scheduledAt'), broadcast.scheduledAt ? formatDateTime(broadcast.scheduledAt) : t('broadcasts.notScheduled')],
      [t('broadcasts.createdAt'), formatDateTime(broadcast.createdAt)],
      broadcast.startedAt ? [t('broadcasts.startedAt'), formatDateTime(broadcast.startedAt)] : null,
      broadcast.finishedAt ? [t('broadcasts.finishedAt'), formatDateTime(broadcast.finishedAt)] : null,
      [t('broadcasts.recipients'), broadcast.recipients === null ? '—' : formatNumber(broadcast.recipients)],
    ]),
    h('h3', null, t('broadcasts.message')),
    h(
      'dl',
      { class: 'message-list' },
      message.map(([label, value]) => h('div', null, h('dt', null, label), h('dd', null, value))),
    ),
  ];
}

/** What members get, per language, with the opt-out footer: rendered by the server exactly as the send does. */
async function showPreview(card, path, isTemplate) {
  replace(card, h('h2', null, t('broadcasts.preview')), h('p', { class: 'muted' }, t('common.loading')));
  try {
    const { messages } = await api.get(`${path}/preview`);
    replace(
      card,
      h('h2', null, t('broadcasts.preview')),
      h(
        'p',
        { class: 'hint' },
        t('broadcasts.previewIntro'),
        isTemplate ? ` ${t('broadcasts.previewName')}` : null,
        ' ',
        h('a', { href: link('flows', 'template', 'broadcast') }, t('broadcasts.editFooter')),
      ),
      h(
        'div',
        { class: 'broadcast-preview-grid' },
        messages.map(({ locale, message }) =>
          h(
            'figure',
            { class: 'broadcast-preview-locale', dataset: { locale } },
            h('figcaption', null, t('broadcasts.previewIn', { language: t(`broadcasts.textIn.${locale}`) })),
            h('div', { class: 'preview-log', lang: locale === 'zh-TW' ? 'zh-Hant-TW' : 'en' }, staticMessage(message)),
          ),
        ),
      ),
    );
  } catch (error) {
    replace(card, h('h2', null, t('broadcasts.preview')), h('div', { class: 'notice notice-error', role: 'alert' }, describeError(error)));
  }
}

async function showCost(card, path) {
  replace(card, h('h2', null, t('broadcasts.cost')), h('p', { class: 'muted' }, t('common.loading')));
  try {
    const cost = await api.get(`${path}/cost`);
    replace(card, h('h2', null, t('broadcasts.cost')), h('p', { class: 'hint' }, t('broadcasts.costIntro')), costSummary(cost));
  } catch (error) {
    replace(card, h('h2', null, t('broadcasts.cost')), h('div', { class: 'notice notice-error', role: 'alert' }, describeError(error)));
  }
}

/** What sending will do, channel by channel: shown on the page and again in the confirm dialog. */
function costSummary(cost) {
  const line = cost.line;
  const used = line.monthlyBudget > 0 ? Math.min(1, line.pushesNeeded / Math.max(1, line.remainingThisMonth)) : 0;
  const meterFill = h('span', { class: ['quota-fill', line.shortBy > 0 && 'quota-fill-over'] });
  meterFill.style.width = `${Math.round(used * 100)}%`;
  const skipped = [
    [t('broadcasts.costs.outsideWindow'), cost.messenger.outsideWindow],
    [t('broadcasts.costs.noPushChannel'), cost.noPushChannel],
    [t('broadcasts.costs.unfollowed'), cost.unfollowed],
    [t('broadcasts.costs.demoMembers'), cost.demoMembers],
  ].filter(([, count]) => count > 0);
  return h(
    'div',
    { class: 'cost-summary', dataset: { recipients: String(cost.recipients) } },
    h('p', { class: 'cost-total' }, t('broadcasts.costs.recipients', { count: formatNumber(cost.recipients) })),
    h(
      'div',
      { class: 'cost-grid' },
      h(
        'div',
        { class: 'cost-channel' },
        h('h3', null, 'LINE'),
        line.enabled
          ? [
              h('p', { class: 'cost-figure' }, t('broadcasts.costs.linePushes', { needed: formatNumber(line.pushesNeeded), remaining: formatNumber(line.remainingThisMonth) })),
              h('div', { class: 'quota-meter', role: 'img', 'aria-label': t('broadcasts.costs.quotaLabel', { budget: formatNumber(line.monthlyBudget) }) }, meterFill),
              h('p', { class: 'hint' }, t('broadcasts.costs.quotaLabel', { budget: formatNumber(line.monthlyBudget) })),
              line.shortBy > 0 ? h('p', { class: 'cost-warning' }, t('broadcasts.costs.shortBy', { count: formatNumber(line.shortBy) })) : null,
            ]
          : h('p', { class: 'muted' }, t('broadcasts.costs.channelOff')),
      ),
      h(
        'div',
        { class: 'cost-channel' },
        h('h3', null, 'Messenger'),
        cost.messenger.enabled
          ? [
              h('p', { class: 'cost-figure' }, t('broadcasts.costs.insideWindow', { count: formatNumber(cost.messenger.insideWindow) })),
              h('p', { class: 'hint' }, t('broadcasts.costs.outsideWindowHint', { count: formatNumber(cost.messenger.outsideWindow) })),
            ]
          : h('p', { class: 'muted' }, t('broadcasts.costs.channelOff')),
      ),
      h(
        'div',
        { class: 'cost-channel' },
        h('h3', null, t('broadcasts.costs.skipped')),
        skipped.length > 0
          ? h('ul', { class: 'plain-list' }, skipped.map(([label, count]) => h('li', null, h('strong', null, formatNumber(count)), ' ', label)))
          : h('p', { class: 'muted' }, t('broadcasts.costs.noneSkipped')),
      ),
    ),
  );
}

function showProgress(card, broadcast, polling) {
  const counts = broadcast.counts;
  const whole = Math.max(broadcast.recipients ?? 0, total(counts), 1);
  const done = total(counts);
  const bar = h('div', { class: 'delivery-bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(whole), 'aria-valuenow': String(done), 'aria-label': t('broadcasts.progress') });
  for (const outcome of [...outcomes, 'claimed']) {
    if (counts[outcome] === 0) continue;
    const part = h('span', { class: `delivery-part delivery-${outcome}` });
    part.style.width = `${(counts[outcome] / whole) * 100}%`;
    bar.append(part);
  }
  replace(
    card,
    h('h2', null, t('broadcasts.progress')),
    h(
      'p',
      { class: 'progress-status', dataset: { status: broadcast.status } },
      polling ? t('broadcasts.sendingNow', { done: formatNumber(done), whole: formatNumber(broadcast.recipients ?? done) }) : t(`broadcasts.progressStatus.${broadcast.status}`, { done: formatNumber(done) }),
    ),
    bar,
    h(
      'ul',
      { class: 'delivery-legend' },
      [...outcomes, ...(counts.claimed > 0 ? ['claimed'] : [])].map((outcome) =>
        h('li', { dataset: { outcome } }, h('span', { class: `legend-swatch delivery-${outcome}`, 'aria-hidden': 'true' }), t(`broadcasts.outcomes.${outcome}`), ' ', h('strong', null, formatNumber(counts[outcome]))),
      ),
    ),
  );
}

async function showResults(card, path, { after, status }) {
  const shown = [...outcomes, 'claimed'].includes(status) ? status : undefined;
  const page = await api.get(`${path}/recipients${query({ limit: resultsPerPage, after, status: shown })}`);
  const here = location.hash.split('?')[0];
  const filter = select([['', t('broadcasts.allOutcomes')], ...outcomes.map((outcome) => [outcome, t(`broadcasts.outcomes.${outcome}`)])], { value: shown ?? '' });
  filter.addEventListener('change', () => navigate(`${here}${query({ status: filter.value })}`));
  replace(
    card,
    h('div', { class: 'section-header' }, h('h2', null, t('broadcasts.results')), field(t('broadcasts.showOutcome'), filter)),
    table(
      [
        [t('broadcasts.member'), (result) => h('a', { href: link('members', result.memberId) }, result.memberId)],
        [t('broadcasts.outcome'), (result) => badge(t(`broadcasts.outcomes.${result.status}`), outcomeBadge[result.status])],
        [t('broadcasts.channel'), (result) => (result.channel ? t(`channels.${result.channel}`) : '—')],
        [t('broadcasts.reason'), (result) => (result.reason ? t(`broadcasts.reasons.${result.reason}`) : '—')],
        [t('broadcasts.at'), (result) => formatDateTime(result.at), { nowrap: true }],
      ],
      page.results,
      { empty: t('broadcasts.noResults'), caption: t('broadcasts.results') },
    ),
    h(
      'div',
      { class: 'pager' },
      after ? h('a', { class: 'button button-ghost', href: `${here}${query({ status: shown })}` }, t('common.first')) : null,
      page.nextAfter ? h('a', { class: 'button button-ghost', href: `${here}${query({ status: shown, after: page.nextAfter })}` }, t('common.next')) : null,
    ),
  );
}

const outcomeBadge = { sent: 'success', skipped: 'pending', failed: 'failed', claimed: 'neutral' };
