import { ActionTypes, ActivityTypes, CardFactory, type Activity, type CardAction } from 'botbuilder';
import type { CardField, Choice, OutboundMessage } from '../channel';
import { truncate } from '../text-limits';

export const botFrameworkLimits = {
  // Teams shows at most 6 actions on a card (observed; github.com/atc0005/go-teams-notify issue #161).
  cardButtons: 6,
  suggestedActions: 13,
  // CONTRACT.md: our postback data is at most 300 characters; a cut payload would be a different intent.
  payloadLength: 300,
  // Messenger: at most 13 quick replies with titles of at most 20 characters, at most 3 buttons on a
  // template, text under 2,000 characters (PLATFORMS.md 2.5).
  facebookQuickReplies: 13,
  facebookQuickReplyTitleLength: 20,
  facebookCardButtons: 3,
  facebookTextLength: 1999,
} as const;

export type BotFrameworkReply = Partial<Activity>;

/**
 * Renders a turn's replies for the channel the activity came from. Choices go on the last activity:
 * as Messenger quick replies in `channelData` on Facebook (PLATFORMS.md 3.5), as suggested actions elsewhere.
 */
export function toBotFrameworkActivities(messages: OutboundMessage[], channelId: string): BotFrameworkReply[] {
  const isFacebook = channelId === 'facebook';
  const rendered = messages.flatMap((message) => toActivity(message, isFacebook));
  const choices = usableChoices(messages.flatMap((message) => (message.kind === 'text' ? (message.choices ?? []) : [])));
  const last = rendered.at(-1);
  if (last === undefined || choices.length === 0) return rendered;
  const withChoices: BotFrameworkReply = isFacebook
    ? { ...last, channelData: { ...recordOf(last.channelData), quick_replies: toQuickReplies(choices) } }
    : { ...last, suggestedActions: { to: [], actions: choices.slice(0, botFrameworkLimits.suggestedActions).map(toMessageBack) } };
  return [...rendered.slice(0, -1), withChoices];
}

type Card = Extract<OutboundMessage, { kind: 'card' }>;

function toActivity(message: OutboundMessage, isFacebook: boolean): BotFrameworkReply[] {
  if (message.kind === 'text') {
    if (message.text.trim() === '') return [];
    return [{ type: ActivityTypes.Message, text: isFacebook ? truncate(message.text, botFrameworkLimits.facebookTextLength) : message.text }];
  }
  return [{ type: ActivityTypes.Message, attachments: [toHeroCard(message, isFacebook)] }];
}

function toHeroCard(card: Card, isFacebook: boolean) {
  const maxButtons = isFacebook ? botFrameworkLimits.facebookCardButtons : botFrameworkLimits.cardButtons;
  const buttons = usableChoices(card.choices ?? []).slice(0, maxButtons).map(toPostBack);
  const subtitle = card.subtitle?.trim() ?? '';
  return CardFactory.heroCard(card.title, cardText(card), undefined, buttons, subtitle === '' ? {} : { subtitle });
}

// Hero cards have no rows or bars, so fields, progress and footer become lines of the card text.
function cardText(card: Card): string {
  const lines = [...card.fields.map(fieldLine)];
  if (card.progress !== undefined) lines.push(`${card.progress.label} ${progressBar(card.progress.ratio)}`);
  if (card.footer !== undefined && card.footer.trim() !== '') lines.push(card.footer);
  return lines.join('\n\n');
}

function fieldLine(field: CardField): string {
  return `${field.label}: ${field.value}`;
}

function progressBar(ratio: number): string {
  const clamped = Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 0;
  const filled = Math.round(clamped * 10);
  return `${'▰'.repeat(filled)}${'▱'.repeat(10 - filled)} ${Math.round(clamped * 100)}%`;
}

// messageBack shows the label as the person's message and sends `value`, so a tap carries the payload
// rather than the label (which would be read as typed text).
function toMessageBack(choice: Choice): CardAction {
  return { type: ActionTypes.MessageBack, title: choice.label, displayText: choice.label, value: { payload: choice.payload } };
}

function toPostBack(choice: Choice): CardAction {
  return { type: ActionTypes.PostBack, title: choice.label, value: { payload: choice.payload } };
}

function toQuickReplies(choices: Choice[]) {
  return choices.slice(0, botFrameworkLimits.facebookQuickReplies).map((choice) => ({
    content_type: 'text',
    title: truncate(choice.label, botFrameworkLimits.facebookQuickReplyTitleLength),
    payload: choice.payload,
  }));
}

function usableChoices(choices: Choice[]): Choice[] {
  const seenPayloads = new Set<string>();
  return choices.filter((choice) => {
    if (choice.payload === '' || choice.payload.length > botFrameworkLimits.payloadLength) return false;
    if (choice.label.trim() === '' || seenPayloads.has(choice.payload)) return false;
    seenPayloads.add(choice.payload);
    return true;
  });
}

function recordOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
