import type { Choice, OutboundMessage } from '../../../src/channels/channel';
import { toLineMessages } from '../../../src/channels/line/line-messages';

function choices(count: number): Choice[] {
  return Array.from({ length: count }, (_, index) => ({ label: `Option ${index + 1}`, payload: `answer=${index + 1}` }));
}

function postback(label: string, data: string, displayText = label) {
  return { type: 'action', action: { type: 'postback', label, data, displayText } };
}

const card: OutboundMessage = {
  kind: 'card',
  title: 'Gold member',
  subtitle: 'Mei Lin',
  fields: [
    { label: 'Points', value: '1,250' },
    { label: 'Streak', value: '3 days' },
  ],
  progress: { label: '250 points to Platinum', ratio: 0.8 },
  footer: 'Points expire 2027-12-31',
};

describe('toLineMessages', () => {
  it.each<[string, OutboundMessage[], unknown[]]>([
    ['a text', [{ kind: 'text', text: 'Hello' }], [{ type: 'text', text: 'Hello' }]],
    [
      'a text with choices as a quick reply',
      [{ kind: 'text', text: 'Join?', choices: [{ label: 'Join', payload: 'intent=signup' }] }],
      [{ type: 'text', text: 'Join?', quickReply: { items: [postback('Join', 'intent=signup')] } }],
    ],
    [
      'choices on an earlier message, moved to the last one',
      [
        { kind: 'text', text: 'First', choices: [{ label: 'Card', payload: 'intent=card' }] },
        { kind: 'text', text: 'Second' },
      ],
      [
        { type: 'text', text: 'First' },
        { type: 'text', text: 'Second', quickReply: { items: [postback('Card', 'intent=card')] } },
      ],
    ],
    [
      'a long label, truncated to 20 characters with the full label as display text',
      [{ kind: 'text', text: 'Pick', choices: [{ label: 'Redeem the free coffee voucher', payload: 'intent=redeem&reward=r1' }] }],
      [
        {
          type: 'text',
          text: 'Pick',
          quickReply: { items: [postback('Redeem the free cof…', 'intent=redeem&reward=r1', 'Redeem the free coffee voucher')] },
        },
      ],
    ],
    [
      'an emoji label, cut between code points',
      [{ kind: 'text', text: 'Pick', choices: [{ label: '🎁🎁🎁🎁🎁🎁🎁🎁🎁🎁🎁', payload: 'intent=rewards' }] }],
      [{ type: 'text', text: 'Pick', quickReply: { items: [postback('🎁🎁🎁🎁🎁🎁🎁🎁🎁…', 'intent=rewards', '🎁🎁🎁🎁🎁🎁🎁🎁🎁🎁🎁')] } }],
    ],
    [
      'a payload over 300 characters, left out rather than cut',
      [{ kind: 'text', text: 'Pick', choices: [{ label: 'Too long', payload: `intent=x&${'a'.repeat(300)}` }, { label: 'Ok', payload: 'intent=ok' }] }],
      [{ type: 'text', text: 'Pick', quickReply: { items: [postback('Ok', 'intent=ok')] } }],
    ],
    [
      'duplicate payloads, kept once',
      [{ kind: 'text', text: 'Pick', choices: [{ label: 'Card', payload: 'intent=card' }, { label: 'My card', payload: 'intent=card' }] }],
      [{ type: 'text', text: 'Pick', quickReply: { items: [postback('Card', 'intent=card')] } }],
    ],
    ['an empty text, dropped', [{ kind: 'text', text: '  ' }, { kind: 'text', text: 'Hi' }], [{ type: 'text', text: 'Hi' }]],
    ['nothing', [], []],
  ])('renders %s', (_name, messages, expected) => {
    expect(toLineMessages(messages)).toEqual(expected);
  });

  it.each([
    [12, 12],
    [13, 13],
    [20, 13],
  ])('keeps %i choices as %i quick reply items', (given, kept) => {
    const [message] = toLineMessages([{ kind: 'text', text: 'Pick one', choices: choices(given) }]);

    expect(message?.quickReply?.items).toHaveLength(kept);
    expect(message?.quickReply?.items?.[0]).toEqual(postback('Option 1', 'answer=1'));
  });

  it.each<[string, OutboundMessage[], string[]]>([
    ['5 texts, unchanged', texts(5), ['1', '2', '3', '4', '5']],
    ['6 texts, the last two merged', texts(6), ['1', '2', '3', '4', '5\n\n6']],
    ['8 texts, the trailing ones merged', texts(8), ['1', '2', '3', '4', '5\n\n6\n\n7\n\n8']],
    [
      'cards between texts, the latest adjacent texts merged first',
      [{ kind: 'text', text: '1' }, { kind: 'text', text: '2' }, card, { kind: 'text', text: '3' }, { kind: 'text', text: '4' }, card, { kind: 'text', text: '5' }],
      ['1\n\n2', 'flex', '3\n\n4', 'flex', '5'],
    ],
  ])('fits %s into 5 message objects', (_name, messages, expected) => {
    const rendered = toLineMessages(messages);

    expect(rendered.map((message) => (message.type === 'text' ? message.text : message.type))).toEqual(expected);
  });

  it('merges trailing texts first and keeps cards when more than 5 messages include cards', () => {
    const rendered = toLineMessages([{ kind: 'text', text: 'a' }, card, { kind: 'text', text: 'b' }, card, ...texts(3)]);

    expect(rendered.map((message) => (message.type === 'text' ? message.text : message.type))).toEqual([
      'a',
      'flex',
      'b',
      'flex',
      '1\n\n2\n\n3',
    ]);
  });

  it('folds overflow into one text when no texts can merge', () => {
    const rendered = toLineMessages([card, card, card, card, card, { ...card, title: 'Silver member' }]);

    expect(rendered).toHaveLength(5);
    expect(rendered[4]).toMatchObject({ type: 'text', text: expect.stringContaining('Silver member') });
  });

  it('puts quick replies on the last message after merging', () => {
    const rendered = toLineMessages([...texts(6), { kind: 'text', text: 'Next?', choices: choices(2) }]);

    expect(rendered).toHaveLength(5);
    expect(rendered.slice(0, 4).every((message) => message.quickReply === undefined)).toBe(true);
    expect(rendered[4]?.quickReply?.items).toHaveLength(2);
  });

  it('truncates text over 5,000 characters', () => {
    const [message] = toLineMessages([{ kind: 'text', text: 'x'.repeat(6000) }]);

    expect(message).toEqual({ type: 'text', text: `${'x'.repeat(4999)}…` });
  });

  describe('a card', () => {
    it('renders a Flex bubble with header, field rows, progress bar and footer', () => {
      const [message] = toLineMessages([card]);

      expect(message).toEqual({
        type: 'flex',
        altText: 'Gold member\nMei Lin\nPoints: 1,250\nStreak: 3 days\n250 points to Platinum\nPoints expire 2027-12-31',
        contents: {
          type: 'bubble',
          header: {
            type: 'box',
            layout: 'vertical',
            contents: [
              { type: 'text', text: 'Gold member', weight: 'bold', size: 'lg', wrap: true },
              { type: 'text', text: 'Mei Lin', size: 'sm', color: expect.any(String), wrap: true },
            ],
          },
          body: {
            type: 'box',
            layout: 'vertical',
            spacing: 'sm',
            contents: [
              fieldRow('Points', '1,250'),
              fieldRow('Streak', '3 days'),
              { type: 'text', text: '250 points to Platinum', size: 'xs', color: expect.any(String), margin: 'md', wrap: true },
              expect.objectContaining({
                type: 'box',
                contents: [expect.objectContaining({ type: 'box', width: '80%', contents: [{ type: 'filler' }] })],
              }),
            ],
          },
          footer: {
            type: 'box',
            layout: 'vertical',
            contents: [{ type: 'text', text: 'Points expire 2027-12-31', size: 'xs', color: expect.any(String), wrap: true }],
          },
        },
      });
    });

    it.each([
      [-0.5, '0%'],
      [0, '0%'],
      [0.333, '33%'],
      [1, '100%'],
      [1.7, '100%'],
      [Number.NaN, '0%'],
    ])('draws a progress ratio of %d as %s', (ratio, width) => {
      const [message] = toLineMessages([{ kind: 'card', title: 'Tier', fields: [], progress: { label: 'Progress', ratio } }]);

      expect(JSON.stringify(message)).toContain(`"width":"${width}"`);
    });

    it('leaves out body and footer it has nothing for', () => {
      const [message] = toLineMessages([{ kind: 'card', title: 'Welcome', fields: [] }]);

      expect(message).toEqual({
        type: 'flex',
        altText: 'Welcome',
        contents: { type: 'bubble', header: expect.objectContaining({ type: 'box' }) },
      });
    });

    it('puts its choices in a quick reply on the same message', () => {
      const [message] = toLineMessages([{ ...card, choices: [{ label: 'Rewards', payload: 'intent=rewards' }] }]);

      expect(message).toMatchObject({ type: 'flex', quickReply: { items: [postback('Rewards', 'intent=rewards')] } });
    });

    it('keeps the alt text within 1,500 characters', () => {
      const fields = Array.from({ length: 100 }, (_, index) => ({ label: `Field ${index}`, value: 'v'.repeat(30) }));
      const [message] = toLineMessages([{ kind: 'card', title: 'Long', fields }]);

      expect(message?.type === 'flex' && message.altText.length).toBe(1500);
    });

    it('replaces empty texts, which Flex rejects', () => {
      const [message] = toLineMessages([{ kind: 'card', title: '', fields: [{ label: 'Points', value: '' }] }]);

      expect(JSON.stringify(message)).not.toContain('"text":""');
    });
  });
});

function texts(count: number): OutboundMessage[] {
  return Array.from({ length: count }, (_, index) => ({ kind: 'text', text: String(index + 1) }));
}

function fieldRow(label: string, value: string) {
  return {
    type: 'box',
    layout: 'horizontal',
    contents: [
      { type: 'text', text: label, size: 'sm', color: expect.any(String), flex: 0 },
      { type: 'text', text: value, size: 'sm', align: 'end', wrap: true },
    ],
  };
}
