import { join } from 'node:path';
import type { OutboundMessage } from '../../../src/channels/channel';
import { toBotFrameworkActivities, botFrameworkLimits } from '../../../src/channels/botframework/botframework-messages';
import { lineLimits, toLineMessages } from '../../../src/channels/line/line-messages';
import { actionOutcomes } from '../../../src/conversation/flow-actions';
import { loadCatalogFromFiles } from '../../../src/conversation/flow-files';
import { locales } from '../../../src/conversation/flow-schema';
import { renderTemplate } from '../../../src/conversation/template-rendering';

// Every shipped template, in every locale, with every placeholder stretched as long as an operator
// might make it, rendered for LINE and the Bot Framework (Messenger has its own matrix): the
// platforms' limits (PLATFORMS.md §1.6, §3) hold whatever the marketers write.
const catalog = loadCatalogFromFiles({
  flowsDir: join(__dirname, '../../../flows'),
  templatesDir: join(__dirname, '../../../templates'),
  actions: actionOutcomes,
  defaultLocale: 'zh-TW',
});

const longValue = '王小明 Amy Chen-Wu '.repeat(12);
const variables = new Proxy({} as Record<string, string>, {
  get: (_, name) => (name === 'tierProgress' ? '0.42' : typeof name === 'string' && name.startsWith('rewardId') ? `reward-${'x'.repeat(40)}` : longValue),
});

const cases = locales.flatMap((locale) =>
  Object.keys(catalog.templates[locale]).map((id) => [locale, id] as const),
);

function rendered(locale: (typeof locales)[number], id: string): OutboundMessage[] {
  const template = catalog.template(id, locale);
  const filled: Record<string, string> = {};
  const source = JSON.stringify(template);
  for (const match of source.matchAll(/\{([a-zA-Z][a-zA-Z0-9]*)\}/g)) filled[match[1]!] = variables[match[1]!]!;
  return [renderTemplate(template, filled)];
}

describe('every template on LINE', () => {
  it.each(cases)('%s %s fits LINE’s limits', (locale, id) => {
    const messages = toLineMessages(rendered(locale, id));
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.length).toBeLessThanOrEqual(lineLimits.messagesPerRequest);
    for (const message of messages) {
      if (message.type === 'text') expect([...message.text].length).toBeLessThanOrEqual(lineLimits.textLength);
      if (message.type === 'flex') {
        expect(message.altText.length).toBeLessThanOrEqual(lineLimits.altTextLength);
        expect(Buffer.byteLength(JSON.stringify(message.contents))).toBeLessThanOrEqual(30 * 1024);
      }
      const items = message.quickReply?.items ?? [];
      expect(items.length).toBeLessThanOrEqual(lineLimits.quickReplyItems);
      for (const item of items) {
        const action = item.action as { label?: string; data?: string; displayText?: string };
        expect([...(action.label ?? '')].length).toBeLessThanOrEqual(lineLimits.actionLabelLength);
        expect((action.data ?? '').length).toBeLessThanOrEqual(lineLimits.postbackDataLength);
      }
    }
  });
});

describe('every template on the Bot Framework', () => {
  it.each(cases.flatMap(([locale, id]) => [[locale, id, 'webchat'] as const, [locale, id, 'facebook'] as const]))(
    '%s %s fits %s',
    (locale, id, channelId) => {
      const activities = toBotFrameworkActivities(rendered(locale, id), channelId);
      expect(activities.length).toBeGreaterThan(0);
      for (const activity of activities) {
        const actions = activity.suggestedActions?.actions ?? [];
        expect(actions.length).toBeLessThanOrEqual(botFrameworkLimits.suggestedActions);
        const quickReplies = (activity.channelData as { quick_replies?: { title: string; payload: string }[] } | undefined)?.quick_replies ?? [];
        expect(quickReplies.length).toBeLessThanOrEqual(botFrameworkLimits.facebookQuickReplies);
        for (const reply of quickReplies) expect([...reply.title].length).toBeLessThanOrEqual(botFrameworkLimits.facebookQuickReplyTitleLength);
        if (channelId === 'facebook' && activity.text) expect(activity.text.length).toBeLessThanOrEqual(botFrameworkLimits.facebookTextLength);
        for (const attachment of activity.attachments ?? []) {
          const buttons = (attachment.content as { buttons?: unknown[] }).buttons ?? [];
          expect(buttons.length).toBeLessThanOrEqual(channelId === 'facebook' ? botFrameworkLimits.facebookCardButtons : botFrameworkLimits.cardButtons);
        }
      }
    },
  );
});
