import type { Choice, OutboundMessage } from '../channels/channel';
import type { ChoiceSpec, Template } from './flow-schema';
import type { Variables } from './flow-engine';

/** Fills `{name}` placeholders; an unknown name renders empty rather than leaking braces to members. */
export function fill(text: string, variables: Variables): string {
  return text.replace(/\{([a-zA-Z][a-zA-Z0-9]*)\}/g, (_, name: string) => variables[name] ?? '');
}

/**
 * Fills a message text; a line that had placeholders and fills to nothing is left out, so a
 * template can hold optional lines an action fills or leaves empty. Blank lines written as
 * such stay (they separate paragraphs).
 */
export function fillText(text: string, variables: Variables): string {
  return text
    .split('\n')
    .filter((line) => !/\{[a-zA-Z][a-zA-Z0-9]*\}/.test(line) || fill(line, variables).trim() !== '')
    .map((line) => fill(line, variables))
    .join('\n');
}

export function choicePayload(choice: ChoiceSpec, variables: Variables = {}): string {
  if ('answer' in choice) return new URLSearchParams({ answer: choice.answer }).toString();
  const args = Object.fromEntries(Object.entries(choice.args ?? {}).map(([name, value]) => [name, fill(value, variables)]));
  return new URLSearchParams({ intent: choice.intent, ...args }).toString();
}

export function renderTemplate(template: Template, variables: Variables): OutboundMessage {
  // A button whose label fills to nothing is left out, so a template can offer a list of optional
  // buttons filled by an action (rewards.list: one per reward, up to 12).
  const choices: Choice[] | undefined = template.choices
    ?.map((choice) => ({
      label: fill(choice.label, variables),
      payload: choicePayload(choice, variables),
      ...('item' in choice && choice.item ? { item: true } : {}),
    }))
    .filter((choice) => choice.label.trim() !== '');
  if ('text' in template) {
    return {
      kind: 'text',
      text: fillText(template.text, variables),
      ...(choices ? { choices } : {}),
      ...(template.itemButton !== undefined ? { itemButton: fill(template.itemButton, variables) } : {}),
    };
  }
  const card = template.card;
  const rawRatio = card.progress ? variables[card.progress.ratio] : undefined;
  const ratio = rawRatio === undefined || rawRatio === '' ? Number.NaN : Number(rawRatio);
  return {
    kind: 'card',
    title: fill(card.title, variables),
    ...(card.subtitle !== undefined ? { subtitle: fill(card.subtitle, variables) } : {}),
    fields: card.fields
      .map((field) => ({ label: fill(field.label, variables), value: fill(field.value, variables) }))
      .filter((field) => field.value !== ''),
    ...(card.progress && Number.isFinite(ratio)
      ? { progress: { label: fill(card.progress.label, variables), ratio: Math.min(1, Math.max(0, ratio)) } }
      : {}),
    ...(card.footer !== undefined ? { footer: fill(card.footer, variables) } : {}),
    ...(choices ? { choices } : {}),
  };
}

/** Finds the button a person typed instead of tapping (e.g. "同意"), so typing works like tapping. */
export function answerForTypedLabel(template: Template, text: string, variables: Variables): string | undefined {
  const typed = text.normalize('NFKC').trim().toLowerCase();
  const match = template.choices?.find(
    (choice) => 'answer' in choice && fill(choice.label, variables).normalize('NFKC').trim().toLowerCase() === typed,
  );
  return match && 'answer' in match ? match.answer : undefined;
}
