import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDateTime, formatNumber, t } from '../i18n.js';

export function title() {
  return t('pointCodes.printTitle');
}

/** A sheet of QR codes to print for the stores: the browser's print dialog hides everything else. */
export async function render(view, { query: params }) {
  const codes = (params.get('codes') ?? '').split(',').map((code) => code.trim()).filter(Boolean).slice(0, 200);
  const sheet = h('div', { class: 'qr-sheet' });
  replace(
    view,
    h(
      'div',
      { class: 'page-header no-print' },
      h('h1', null, t('pointCodes.printTitle')),
      h('div', { class: 'button-row' },
        h('a', { class: 'button button-ghost', href: '#/point-codes' }, t('common.back')),
        h('button', { type: 'button', class: 'button button-primary', onclick: () => window.print() }, t('pointCodes.print')),
      ),
    ),
    h('p', { class: 'muted no-print' }, t('pointCodes.printHint')),
    codes.length === 0 ? h('p', { class: 'empty' }, t('pointCodes.printNone')) : sheet,
  );
  // One by one keeps a 200-code sheet from opening 200 requests at once.
  for (const code of codes) {
    const details = await api.get(`/point-codes/${encodeURIComponent(code)}`);
    const image = h('img', { class: 'qr', alt: t('pointCodes.qrAlt', { code: details.code }), width: '180', height: '180' });
    sheet.append(
      h(
        'figure',
        { class: 'qr-card' },
        image,
        h(
          'figcaption',
          null,
          h('strong', { class: 'qr-points' }, t('pointCodes.qrPoints', { points: formatNumber(details.points) })),
          h('code', { class: 'qr-code' }, details.code),
          details.storeLabel ? h('span', null, details.storeLabel) : null,
          h('span', { class: 'muted' }, t('pointCodes.qrUntil', { date: formatDateTime(details.expiresAt) })),
        ),
      ),
    );
    // The QR image is behind the bearer token, so it is fetched and shown from a blob: URL.
    image.src = await api.objectUrl(`/point-codes/${encodeURIComponent(details.code)}/qr.svg`);
  }
}
