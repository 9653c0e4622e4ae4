import type { CardField, Choice, OutboundMessage } from '../channel';
import { truncate } from '../text-limits';

// Send API limits (PLATFORMS.md 2.5; Meta `send-messages/quick-replies`, `send-messages/template/generic`).
export const messengerLimits = {
  textLength: 2000,
  quickReplies: 13,
  quickReplyTitleLength: 20,
  payloadLength: 1000,
  buttonTitleLength: 20,
  buttonsPerElement: 3,
  elementsPerCarousel: 10,
  elementTitleLength: 80,
  elementSubtitleLength: 80,
} as const;

export interface MessengerQuickReply {
  content_type: 'text';
  title: string;
  payload: string;
}

export interface MessengerPostbackButton {
  type: 'postback';
  title: string;
  payload: string;
}

export interface MessengerGenericElement {
  title: string;
  subtitle?: string;
  buttons?: MessengerPostbackButton[];
}

export interface MessengerGenericTemplate {
  type: 'template';
  payload: { template_type: 'generic'; elements: MessengerGenericElement[] };
}

/** The `message` of one Send API request; Messenger takes one message per request. */
export type MessengerMessage =
  | { text: string; quick_replies?: MessengerQuickReply[] }
  | { attachment: MessengerGenericTemplate; quick_replies?: MessengerQuickReply[] };

type Card = Extract<OutboundMessage, { kind: 'card' }>;

/**
 * Renders a turn's messages in order. Choices gather on the last message as quick replies, because
 * Messenger hides a message's quick replies once another message follows. A card's first three
 * choices become its buttons. More than 13 choices cannot be quick replies, and paging them would
 * need state, so they become a carousel of postback buttons instead.
 */
export function toMessengerMessages(messages: OutboundMessage[]): MessengerMessage[] {
  const rendered: MessengerMessage[] = [];
  const pendingChoices: Choice[] = [];
  const buttonPayloads = new Set<string>();
  let carouselTitle = '';
  for (const message of messages) {
    if (message.kind === 'text') {
      if (message.text.trim() !== '') rendered.push({ text: truncate(message.text, messengerLimits.textLength) });
      const items = usableChoices((message.choices ?? []).filter((choice) => choice.item)).slice(0, messengerLimits.elementsPerCarousel);
      if (items.length > 0) {
        // A list of things to pick (rewards) reads best as a carousel: one card per item (PLATFORMS.md §2.5).
        rendered.push({ attachment: genericTemplate(items.map((item) => toElement(item.label, undefined, [{ ...item, label: message.itemButton ?? item.label }]))) });
        items.forEach((item) => buttonPayloads.add(item.payload));
      }
      const rest = (message.choices ?? []).filter((choice) => !buttonPayloads.has(choice.payload));
      if (rest.length > 0) carouselTitle = firstLineOf(message.text);
      pendingChoices.push(...rest);
      continue;
    }
    const cardChoices = usableChoices(message.choices ?? []);
    const buttons = cardChoices.slice(0, messengerLimits.buttonsPerElement);
    buttons.forEach((choice) => buttonPayloads.add(choice.payload));
    const { subtitle, overflow } = fitCardSubtitle(message);
    rendered.push({ attachment: genericTemplate([toElement(message.title, subtitle, buttons)]) });
    if (overflow.length > 0) rendered.push({ text: truncate(overflow.join('\n'), messengerLimits.textLength) });
    if (cardChoices.length > buttons.length) carouselTitle = message.title;
    pendingChoices.push(...cardChoices.slice(buttons.length));
  }

  const choices = usableChoices(pendingChoices).filter((choice) => !buttonPayloads.has(choice.payload));
  if (choices.length === 0) return rendered;
  if (choices.length > messengerLimits.quickReplies) return [...rendered, { attachment: choiceCarousel(choices, carouselTitle) }];
  const last = rendered.at(-1);
  // Quick replies need a message to ride on; a turn of choices alone gets a neutral one.
  if (last === undefined) return [{ text: '…', quick_replies: choices.map(toQuickReply) }];
  return [...rendered.slice(0, -1), { ...last, quick_replies: choices.map(toQuickReply) }];
}

// A cut payload would be a different intent, so a choice that does not fit is left out; a repeat is kept once.
function usableChoices(choices: Choice[]): Choice[] {
  const seenPayloads = new Set<string>();
  return choices.filter((choice) => {
    if (choice.payload === '' || choice.payload.length > messengerLimits.payloadLength) return false;
    if (choice.label.trim() === '' || seenPayloads.has(choice.payload)) return false;
    seenPayloads.add(choice.payload);
    return true;
  });
}

function toQuickReply(choice: Choice): MessengerQuickReply {
  return { content_type: 'text', title: truncate(choice.label, messengerLimits.quickReplyTitleLength), payload: choice.payload };
}

function toButton(choice: Choice): MessengerPostbackButton {
  return { type: 'postback', title: truncate(choice.label, messengerLimits.buttonTitleLength), payload: choice.payload };
}

function genericTemplate(elements: MessengerGenericElement[]): MessengerGenericTemplate {
  return { type: 'template', payload: { template_type: 'generic', elements } };
}

function toElement(title: string, subtitle: string | undefined, buttons: Choice[]): MessengerGenericElement {
  return {
    title: truncate(orEllipsis(title), messengerLimits.elementTitleLength),
    ...(subtitle === undefined ? {} : { subtitle }),
    ...(buttons.length === 0 ? {} : { buttons: buttons.map(toButton) }),
  };
}

function choiceCarousel(choices: Choice[], title: string): MessengerGenericTemplate {
  const elements: MessengerGenericElement[] = [];
  const maxButtons = messengerLimits.buttonsPerElement * messengerLimits.elementsPerCarousel;
  for (let start = 0; start < Math.min(choices.length, maxButtons); start += messengerLimits.buttonsPerElement) {
    elements.push(toElement(title, undefined, choices.slice(start, start + messengerLimits.buttonsPerElement)));
  }
  return genericTemplate(elements);
}

/**
 * A generic element has only an 80-character subtitle, so the card's lines fill it in order and the
 * lines that do not fit follow as a text message: nothing the card says is lost.
 */
function fitCardSubtitle(card: Card): { subtitle?: string; overflow: string[] } {
  const lines = [card.subtitle, ...card.fields.map(fieldLine), card.progress?.label, card.footer].filter(
    (line): line is string => line !== undefined && line.trim() !== '',
  );
  const kept: string[] = [];
  let index = 0;
  for (; index < lines.length; index += 1) {
    const candidate = [...kept, lines[index]].join('\n');
    if (candidate.length > messengerLimits.elementSubtitleLength) break;
    kept.push(lines[index]!);
  }
  return { ...(kept.length === 0 ? {} : { subtitle: kept.join('\n') }), overflow: lines.slice(index) };
}

function fieldLine(field: CardField): string {
  return `${field.label}: ${field.value}`;
}

function firstLineOf(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '') ?? '';
}

function orEllipsis(text: string): string {
  return text.trim() === '' ? '…' : text;
}

