import { api, query } from '../api.js';
import { badge, h, replace, table } from '../dom.js';
import { field, formStatus, input, select, submitting } from '../forms.js';
import { formatNumber, t } from '../i18n.js';
import { link, navigate } from '../router.js';
import { tierNamer } from '../tiers.js';

const channels = ['line', 'messenger', 'botframework', 'web'];
const memberIdPattern = /^m_[A-Za-z0-9_-]{16}$/;

export function title() {
  return t('members.title');
}

/**
 * One box for everything staff have at the counter: a member id opens the member, a channel id
 * (with its channel) is looked up exactly, anything else is a name or phone search (`?q=`).
 */
export async function render(view, { query: params }) {
  const text = input({ type: 'search', name: 'q', value: params.get('q') ?? '', autocomplete: 'off', placeholder: t('members.searchPlaceholder') });
  const channel = select([['', t('members.anyChannel')], ...channels.map((name) => [name, t(`channels.${name}`)])], {
    name: 'channel',
    value: params.get('channel') ?? '',
  });
  const results = h('section', { class: 'card results', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card search-form', role: 'search' },
    formStatus(),
    h(
      'div',
      { class: 'form-row' },
      field(t('members.search'), text, { path: 'q', hint: t('members.searchHint'), wide: true }),
      field(t('members.channel'), channel, { path: 'channel' }),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-primary' }, t('members.searchButton'))),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate(`#/members${query({ q: text.value.trim(), channel: channel.value })}`);
  });
  replace(view, h('h1', null, t('members.title')), form, results);

  const term = (params.get('q') ?? '').trim();
  if (!term) {
    replace(results, h('p', { class: 'empty' }, t('members.startHint')));
    return;
  }
  await submitting(form, async () => {
    if (memberIdPattern.test(term)) {
      navigate(link('members', term));
      return;
    }
    const { members, more } = await search(term, channel.value);
    replace(results, resultList(members, await tierNamer()), more ? h('p', { class: 'hint' }, t('members.moreResults', { count: members.length })) : null);
  });
}

/** The members matching `term`, and whether there are more than the page shows (then the marketer refines the search). */
async function search(term, channel) {
  try {
    if (channel) return { members: [await api.get(`/members${query({ channel, channelUserId: term })}`)], more: false };
    const found = await api.get(`/members${query({ q: term })}`);
    return { members: found.members, more: found.nextCursor !== null };
  } catch (error) {
    if (error.status === 404) return { members: [], more: false };
    throw error;
  }
}

function resultList(members, tierName) {
  return table(
    [
      [t('members.name'), (member) => h('a', { href: link('members', member.id) }, member.name || member.id)],
      [t('members.mobile'), (member) => member.mobile ?? '—'],
      [t('members.tier'), (member) => badge(tierName(member.tier), 'tier')],
      [t('members.points'), (member) => formatNumber(member.points), { numeric: true }],
      [t('members.channels'), (member) => (member.identities ?? []).map((identity) => badge(t(`channels.${identity.channel}`)))],
    ],
    members,
    { empty: t('members.noneFound'), caption: t('members.title') },
  );
}
