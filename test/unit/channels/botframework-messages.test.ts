import type { OutboundMessage } from '../../../src/channels/channel';
import { botFrameworkLimits, toBotFrameworkActivities } from '../../../src/channels/botframework/botframework-messages';

const consent: OutboundMessage = {
  kind: 'text',
  text: 'Please read our Membership Terms.',
  choices: [
    { label: 'Agree', payload: 'answer=agree' },
    { label: 'Decline', payload: 'answer=decline' },
  ],
};

const membershipCard: OutboundMessage = {
  kind: 'card',
  title: "Amy's membership card",
  subtitle: 'Gold member',
  fields: [
    { label: 'Points', value: '120' },
    { label: 'Tier', value: 'Gold' },
  ],
  progress: { label: '80 points to Platinum', ratio: 0.6 },
  footer: 'Valid until 2027-12-31',
  choices: [
    { label: 'Rewards', payload: 'intent=rewards' },
    { label: 'Check in', payload: 'intent=checkin' },
  ],
};

function manyChoices(count: number) {
  return Array.from({ length: count }, (_, index) => ({ label: `Choice number ${index + 1} with a long label`, payload: `answer=${index}` }));
}

describe('toBotFrameworkActivities', () => {
  it('renders a text with its choices as messageBack suggested actions carrying the payload', () => {
    expect(toBotFrameworkActivities([consent], 'webchat')).toEqual([
      {
        type: 'message',
        text: 'Please read our Membership Terms.',
        suggestedActions: {
          to: [],
          actions: [
            { type: 'messageBack', title: 'Agree', displayText: 'Agree', value: { payload: 'answer=agree' } },
            { type: 'messageBack', title: 'Decline', displayText: 'Decline', value: { payload: 'answer=decline' } },
          ],
        },
      },
    ]);
  });

  it('puts all choices on the last activity and skips empty texts', () => {
    const rendered = toBotFrameworkActivities([consent, { kind: 'text', text: '  ' }, { kind: 'text', text: 'Anything else?' }], 'webchat');
    expect(rendered.map((activity) => activity.text)).toEqual(['Please read our Membership Terms.', 'Anything else?']);
    expect(rendered[0]!.suggestedActions).toBeUndefined();
    expect(rendered[1]!.suggestedActions!.actions).toHaveLength(2);
  });

  it('renders a card as a hero card with postBack buttons', () => {
    const [activity] = toBotFrameworkActivities([membershipCard], 'msteams');
    expect(activity!.suggestedActions).toBeUndefined();
    expect(activity!.attachments).toEqual([
      {
        contentType: 'application/vnd.microsoft.card.hero',
        content: {
          title: "Amy's membership card",
          subtitle: 'Gold member',
          text: 'Points: 120\n\nTier: Gold\n\n80 points to Platinum ▰▰▰▰▰▰▱▱▱▱ 60%\n\nValid until 2027-12-31',
          buttons: [
            { type: 'postBack', title: 'Rewards', value: { payload: 'intent=rewards' } },
            { type: 'postBack', title: 'Check in', value: { payload: 'intent=checkin' } },
          ],
        },
      },
    ]);
  });

  it('renders Facebook choices as Messenger quick replies in channelData, titles cut to 20 characters', () => {
    const [activity] = toBotFrameworkActivities([{ kind: 'text', text: 'Pick one', choices: manyChoices(15) }], 'facebook');
    expect(activity!.suggestedActions).toBeUndefined();
    const quickReplies = (activity!.channelData as { quick_replies: { content_type: string; title: string; payload: string }[] }).quick_replies;
    expect(quickReplies).toHaveLength(botFrameworkLimits.facebookQuickReplies);
    expect(quickReplies[0]).toEqual({ content_type: 'text', title: 'Choice number 1 wit…', payload: 'answer=0' });
    expect(quickReplies.every((reply) => reply.title.length <= 20)).toBe(true);
  });

  it('keeps Facebook cards to 3 buttons and texts under 2,000 characters', () => {
    const card: OutboundMessage = { ...membershipCard, choices: manyChoices(5) } as OutboundMessage;
    const [cardActivity, textActivity] = toBotFrameworkActivities([card, { kind: 'text', text: '好'.repeat(2500) }], 'facebook');
    expect((cardActivity!.attachments![0]!.content as { buttons: unknown[] }).buttons).toHaveLength(3);
    expect(textActivity!.text).toHaveLength(botFrameworkLimits.facebookTextLength);
  });

  it('caps buttons and suggested actions elsewhere, dropping duplicate, empty and too-long payloads', () => {
    const choices = [
      ...manyChoices(20),
      { label: 'Again', payload: 'answer=0' },
      { label: 'Empty', payload: '' },
      { label: 'Too long', payload: 'x'.repeat(301) },
      { label: '  ', payload: 'answer=blank' },
    ];
    const [textActivity] = toBotFrameworkActivities([{ kind: 'text', text: 'Pick one', choices }], 'webchat');
    const actions = textActivity!.suggestedActions!.actions;
    expect(actions).toHaveLength(botFrameworkLimits.suggestedActions);
    expect(new Set(actions.map((action) => JSON.stringify(action.value))).size).toBe(actions.length);

    const [cardActivity] = toBotFrameworkActivities([{ ...membershipCard, choices } as OutboundMessage], 'webchat');
    expect((cardActivity!.attachments![0]!.content as { buttons: unknown[] }).buttons).toHaveLength(botFrameworkLimits.cardButtons);
  });

  it('renders nothing for no messages', () => {
    expect(toBotFrameworkActivities([], 'webchat')).toEqual([]);
  });
});
