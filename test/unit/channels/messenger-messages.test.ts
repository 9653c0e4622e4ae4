import { join } from 'node:path';
import type { Choice, OutboundMessage } from '../../../src/channels/channel';
import { messengerLimits, toMessengerMessages, type MessengerMessage } from '../../../src/channels/messenger/messenger-messages';
import { actionOutcomes } from '../../../src/conversation/flow-actions';
import { loadCatalogFromFiles } from '../../../src/conversation/flow-files';
import { locales } from '../../../src/conversation/flow-schema';
import { renderTemplate } from '../../../src/conversation/template-rendering';

function choices(count: number): Choice[] {
  return Array.from({ length: count }, (_, index) => ({ label: `Option ${index + 1}`, payload: `answer=${index + 1}` }));
}

const card: OutboundMessage = {
  kind: 'card',
  title: "Amy's membership card",
  subtitle: 'Gold · No. 000123',
  fields: [
    { label: 'Points', value: '1,250' },
    { label: 'Streak (days)', value: '3' },
  ],
  progress: { label: '250 more points to Platinum', ratio: 0.8 },
  footer: 'Member since 2026-11-23',
  choices: [
    { label: 'Check in', payload: 'intent=checkin' },
    { label: 'Rewards', payload: 'intent=rewards' },
    { label: 'History', payload: 'intent=history' },
    { label: 'Menu', payload: 'intent=help' },
  ],
};

describe('toMessengerMessages', () => {
  it.each<[string, OutboundMessage[], MessengerMessage[]]>([
    ['a text', [{ kind: 'text', text: 'Hello' }], [{ text: 'Hello' }]],
    [
      'a text with choices as quick replies',
      [{ kind: 'text', text: 'Join?', choices: [{ label: 'Join', payload: 'intent=signup' }] }],
      [{ text: 'Join?', quick_replies: [{ content_type: 'text', title: 'Join', payload: 'intent=signup' }] }],
    ],
    [
      'choices on an earlier message, moved to the last one',
      [
        { kind: 'text', text: 'First', choices: [{ label: 'Card', payload: 'intent=card' }] },
        { kind: 'text', text: 'Second' },
      ],
      [{ text: 'First' }, { text: 'Second', quick_replies: [{ content_type: 'text', title: 'Card', payload: 'intent=card' }] }],
    ],
    [
      'a long label, truncated to 20 characters',
      [{ kind: 'text', text: 'Pick', choices: [{ label: 'Redeem the free coffee voucher', payload: 'intent=redeem&reward=r1' }] }],
      [{ text: 'Pick', quick_replies: [{ content_type: 'text', title: 'Redeem the free cof…', payload: 'intent=redeem&reward=r1' }] }],
    ],
    [
      'a payload over 1000 characters, left out rather than cut; a repeated payload kept once',
      [
        {
          kind: 'text',
          text: 'Pick',
          choices: [
            { label: 'Too long', payload: `intent=x&${'a'.repeat(1000)}` },
            { label: 'Ok', payload: 'intent=ok' },
            { label: 'Ok again', payload: 'intent=ok' },
          ],
        },
      ],
      [{ text: 'Pick', quick_replies: [{ content_type: 'text', title: 'Ok', payload: 'intent=ok' }] }],
    ],
    ['an empty text, dropped', [{ kind: 'text', text: '  ' }, { kind: 'text', text: 'Hi' }], [{ text: 'Hi' }]],
    ['nothing', [], []],
    [
      'a card as a generic template: 3 buttons, overflow lines and the other choices on a following text',
      [card],
      [
        {
          attachment: {
            type: 'template',
            payload: {
              template_type: 'generic',
              elements: [
                {
                  title: "Amy's membership card",
                  subtitle: 'Gold · No. 000123\nPoints: 1,250\nStreak (days): 3\n250 more points to Platinum',
                  buttons: [
                    { type: 'postback', title: 'Check in', payload: 'intent=checkin' },
                    { type: 'postback', title: 'Rewards', payload: 'intent=rewards' },
                    { type: 'postback', title: 'History', payload: 'intent=history' },
                  ],
                },
              ],
            },
          },
        },
        { text: 'Member since 2026-11-23', quick_replies: [{ content_type: 'text', title: 'Menu', payload: 'intent=help' }] },
      ],
    ],
  ])('renders %s', (_name, messages, expected) => {
    expect(toMessengerMessages(messages)).toEqual(expected);
  });

  it.each([
    [1, 1],
    [13, 13],
  ])('keeps %i choices as %i quick replies', (given, kept) => {
    const [message] = toMessengerMessages([{ kind: 'text', text: 'Pick one', choices: choices(given) }]);

    expect(message?.quick_replies).toHaveLength(kept);
  });

  it.each([
    [14, 5],
    [30, 10],
    [45, 10],
  ])('turns %i choices into a carousel of %i elements of up to 3 postback buttons', (given, elements) => {
    const rendered = toMessengerMessages([{ kind: 'text', text: '🎁 Rewards\nTap to redeem', choices: choices(given) }]);

    expect(rendered).toHaveLength(2);
    expect(rendered[0]).toEqual({ text: '🎁 Rewards\nTap to redeem' });
    const carousel = rendered[1]!;
    expect('attachment' in carousel && carousel.attachment.payload.elements).toHaveLength(elements);
    if (!('attachment' in carousel)) return;
    expect(carousel.attachment.payload.elements[0]).toEqual({
      title: '🎁 Rewards',
      buttons: choices(3).map((choice) => ({ type: 'postback', title: choice.label, payload: choice.payload })),
    });
    expect(carousel.attachment.payload.elements.flatMap((element) => element.buttons ?? [])).toHaveLength(Math.min(given, 30));
  });

  it('cuts a text over 2000 characters between code points', () => {
    const [message] = toMessengerMessages([{ kind: 'text', text: '🎉'.repeat(1500) }]);

    expect(message && 'text' in message && message.text.length).toBeLessThanOrEqual(messengerLimits.textLength);
    expect(message && 'text' in message && message.text.endsWith('🎉…')).toBe(true);
  });
});

describe('every shipped template on Messenger', () => {
  const catalog = loadCatalogFromFiles({
    flowsDir: join(__dirname, '../../../flows'),
    templatesDir: join(__dirname, '../../../templates'),
    actions: actionOutcomes,
    defaultLocale: 'zh-TW',
  });

  const plausible: Record<string, string> = {
    name: '王小明',
    points: '10',
    balance: '1,250',
    streak: '3',
    tierName: 'Gold',
    nextTierName: 'Platinum',
    memberNumber: '000123',
    pointsToNextTier: '250',
    tierProgress: '0.8',
    memberSince: '2026-11-23',
    history: Array.from({ length: 10 }, (_, index) => `2026-11-${10 + index} +10 daily check-in`).join('\n'),
    rewardLines: Array.from({ length: 12 }, (_, index) => `• Free coffee voucher ${index + 1}: 300 points`).join('\n'),
    ...Object.fromEntries(Array.from({ length: 12 }, (_, index) => [`rewardButton${index + 1}`, `Free coffee voucher ${index + 1} (300)`])),
    ...Object.fromEntries(Array.from({ length: 12 }, (_, index) => [`rewardId${index + 1}`, `rwd_${'x'.repeat(24)}${index}`])),
  };
  // Every placeholder as long as an operator might make it, to prove the limits hold whatever is filled in.
  const stretched = (variables: Record<string, string>) =>
    Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, name === 'tierProgress' ? value : value.repeat(40)]));

  const cases = locales.flatMap((locale) =>
    Object.keys(catalog.templates[locale]).flatMap((id) => [
      [locale, id, 'plausible values', plausible] as const,
      [locale, id, 'very long values', stretched(plausible)] as const,
    ]),
  );

  it('covers both shipped locales', () => {
    expect(new Set(cases.map(([locale]) => locale))).toEqual(new Set(['zh-TW', 'en']));
  });

  it.each(cases)('%s %s with %s stays within the Send API limits', (locale, id, _variant, variables) => {
    const template = catalog.templates[locale][id]!;
    const rendered = toMessengerMessages([renderTemplate(template, variables)]);

    expect(rendered.length).toBeGreaterThan(0);
    for (const message of rendered) expectWithinLimits(message);
  });
});

function expectWithinLimits(message: MessengerMessage): void {
  if ('text' in message) {
    expect(message.text.length).toBeGreaterThan(0);
    expect(message.text.length).toBeLessThanOrEqual(messengerLimits.textLength);
  } else {
    const { elements } = message.attachment.payload;
    expect(elements.length).toBeGreaterThan(0);
    expect(elements.length).toBeLessThanOrEqual(messengerLimits.elementsPerCarousel);
    for (const element of elements) {
      expect(element.title.length).toBeGreaterThan(0);
      expect(element.title.length).toBeLessThanOrEqual(messengerLimits.elementTitleLength);
      expect((element.subtitle ?? '').length).toBeLessThanOrEqual(messengerLimits.elementSubtitleLength);
      expect((element.buttons ?? []).length).toBeLessThanOrEqual(messengerLimits.buttonsPerElement);
      for (const button of element.buttons ?? []) {
        expect(button.title.length).toBeGreaterThan(0);
        expect(button.title.length).toBeLessThanOrEqual(messengerLimits.buttonTitleLength);
        expect(button.payload.length).toBeLessThanOrEqual(messengerLimits.payloadLength);
      }
    }
  }
  const quickReplies = message.quick_replies ?? [];
  expect(quickReplies.length).toBeLessThanOrEqual(messengerLimits.quickReplies);
  for (const reply of quickReplies) {
    expect(reply.title.length).toBeGreaterThan(0);
    expect(reply.title.length).toBeLessThanOrEqual(messengerLimits.quickReplyTitleLength);
    expect(reply.payload.length).toBeLessThanOrEqual(messengerLimits.payloadLength);
  }
}

describe('a list of items to pick (the rewards catalog)', () => {
  it('becomes a carousel with one card per item and the other choices as quick replies', () => {
    const catalog: OutboundMessage = {
      kind: 'text',
      text: '🎁 Rewards (you have 150 points)',
      itemButton: 'Redeem',
      choices: [
        { label: 'Americano (100)', payload: 'intent=redeem&reward=coffee', item: true },
        { label: 'Tote bag (500)', payload: 'intent=redeem&reward=tote-bag', item: true },
        { label: 'Menu', payload: 'intent=help' },
      ],
    };
    expect(toMessengerMessages([catalog])).toEqual([
      { text: '🎁 Rewards (you have 150 points)' },
      {
        attachment: {
          type: 'template',
          payload: {
            template_type: 'generic',
            elements: [
              { title: 'Americano (100)', buttons: [{ type: 'postback', title: 'Redeem', payload: 'intent=redeem&reward=coffee' }] },
              { title: 'Tote bag (500)', buttons: [{ type: 'postback', title: 'Redeem', payload: 'intent=redeem&reward=tote-bag' }] },
            ],
          },
        },
        quick_replies: [{ content_type: 'text', title: 'Menu', payload: 'intent=help' }],
      },
    ]);
  });
});
