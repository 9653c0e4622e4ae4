import type { messagingApi } from '@line/bot-sdk';
import type { CardField, Choice, OutboundMessage } from '../channel';
import { truncate } from '../text-limits';

// Limits from LINE ref message objects and the OpenAPI spec (PLATFORMS.md 1.5, 1.6).
export const lineLimits = {
  messagesPerRequest: 5,
  textLength: 5000,
  quickReplyItems: 13,
  actionLabelLength: 20,
  postbackDataLength: 300,
  displayTextLength: 300,
  altTextLength: 1500,
} as const;

const brandGreen = '#06C755';
const mutedGrey = '#8C8C8C';
const trackGrey = '#E6E6E6';

export function toLineMessages(messages: OutboundMessage[]): messagingApi.Message[] {
  const rendered = fitIntoOneRequest(messages.flatMap(toUnit));
  const quickReply = toQuickReply(messages.flatMap((message) => message.choices ?? []));
  const last = rendered.at(-1);
  if (last === undefined || quickReply === undefined) return rendered;
  return [...rendered.slice(0, -1), { ...last, quickReply }];
}

type Unit = { kind: 'text'; text: string } | { kind: 'flex'; message: messagingApi.FlexMessage; altText: string };

function toUnit(message: OutboundMessage): Unit[] {
  if (message.kind === 'text') {
    return message.text.trim() === '' ? [] : [{ kind: 'text', text: message.text }];
  }
  const altText = truncate(cardAltText(message), lineLimits.altTextLength);
  return [{ kind: 'flex', altText, message: { type: 'flex', altText, contents: toBubble(message) } }];
}

// A reply or push carries at most 5 message objects; extra ones are merged rather than dropped.
function fitIntoOneRequest(units: Unit[]): messagingApi.Message[] {
  const fitted = [...units];
  while (fitted.length > lineLimits.messagesPerRequest) {
    const pairStart = lastAdjacentTextPair(fitted);
    if (pairStart === undefined) break;
    const [first, second] = fitted.slice(pairStart, pairStart + 2) as [Unit, Unit];
    fitted.splice(pairStart, 2, { kind: 'text', text: `${textOf(first)}\n\n${textOf(second)}` });
  }
  if (fitted.length > lineLimits.messagesPerRequest) {
    const keep = lineLimits.messagesPerRequest - 1;
    const overflow = fitted.splice(keep);
    fitted.push({ kind: 'text', text: overflow.map(textOf).join('\n\n') });
  }
  return fitted.map(toLineMessage);
}

function lastAdjacentTextPair(units: Unit[]): number | undefined {
  for (let index = units.length - 2; index >= 0; index -= 1) {
    if (units[index]?.kind === 'text' && units[index + 1]?.kind === 'text') return index;
  }
  return undefined;
}

function textOf(unit: Unit): string {
  return unit.kind === 'text' ? unit.text : unit.altText;
}

function toLineMessage(unit: Unit): messagingApi.Message {
  return unit.kind === 'text' ? { type: 'text', text: truncate(unit.text, lineLimits.textLength) } : unit.message;
}

function toQuickReply(choices: Choice[]): messagingApi.QuickReply | undefined {
  const seenPayloads = new Set<string>();
  const items: messagingApi.QuickReplyItem[] = [];
  for (const choice of choices) {
    // A cut payload would be a different intent, so a choice that does not fit is left out.
    if (choice.payload === '' || choice.payload.length > lineLimits.postbackDataLength) continue;
    if (choice.label.trim() === '' || seenPayloads.has(choice.payload)) continue;
    seenPayloads.add(choice.payload);
    items.push({
      type: 'action',
      action: {
        type: 'postback',
        label: truncate(choice.label, lineLimits.actionLabelLength),
        data: choice.payload,
        displayText: truncate(choice.label, lineLimits.displayTextLength),
      },
    });
  }
  return items.length === 0 ? undefined : { items: items.slice(0, lineLimits.quickReplyItems) };
}

type Card = Extract<OutboundMessage, { kind: 'card' }>;

function cardAltText(card: Card): string {
  const lines = [card.title, card.subtitle, ...card.fields.map(fieldLine), card.progress?.label, card.footer];
  const text = lines.filter((line): line is string => line !== undefined && line.trim() !== '').join('\n');
  return text === '' ? '…' : text;
}

function fieldLine(field: CardField): string {
  return `${field.label}: ${field.value}`;
}

function toBubble(card: Card): messagingApi.FlexBubble {
  const header: messagingApi.FlexComponent[] = [
    { type: 'text', text: orDash(card.title), weight: 'bold', size: 'lg', wrap: true },
  ];
  if (card.subtitle !== undefined && card.subtitle.trim() !== '') {
    header.push({ type: 'text', text: card.subtitle, size: 'sm', color: mutedGrey, wrap: true });
  }
  const body: messagingApi.FlexComponent[] = card.fields.map(toFieldRow);
  if (card.progress !== undefined) body.push(...toProgressBar(card.progress));
  return {
    type: 'bubble',
    header: { type: 'box', layout: 'vertical', contents: header },
    ...(body.length === 0 ? {} : { body: { type: 'box', layout: 'vertical', spacing: 'sm', contents: body } }),
    ...(card.footer === undefined || card.footer.trim() === ''
      ? {}
      : {
          footer: {
            type: 'box',
            layout: 'vertical',
            contents: [{ type: 'text', text: card.footer, size: 'xs', color: mutedGrey, wrap: true }],
          },
        }),
  };
}

function toFieldRow(field: CardField): messagingApi.FlexBox {
  return {
    type: 'box',
    layout: 'horizontal',
    contents: [
      { type: 'text', text: orDash(field.label), size: 'sm', color: mutedGrey, flex: 0 },
      { type: 'text', text: orDash(field.value), size: 'sm', align: 'end', wrap: true },
    ],
  };
}

// The bar is two nested boxes, the inner one as wide as the ratio (LINE docs flex-message-layout, "progress bar").
function toProgressBar(progress: { label: string; ratio: number }): messagingApi.FlexComponent[] {
  const ratio = Number.isFinite(progress.ratio) ? Math.min(1, Math.max(0, progress.ratio)) : 0;
  return [
    { type: 'text', text: orDash(progress.label), size: 'xs', color: mutedGrey, margin: 'md', wrap: true },
    {
      type: 'box',
      layout: 'vertical',
      height: '6px',
      backgroundColor: trackGrey,
      cornerRadius: '3px',
      contents: [
        {
          type: 'box',
          layout: 'vertical',
          width: `${Math.round(ratio * 100)}%`,
          height: '6px',
          backgroundColor: brandGreen,
          cornerRadius: '3px',
          contents: [{ type: 'filler' }],
        },
      ],
    },
  ];
}

// Flex text components must not be empty (LINE ref #f-text).
function orDash(text: string): string {
  return text.trim() === '' ? '-' : text;
}

