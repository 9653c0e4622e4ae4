import { DateTime } from 'luxon';
import type { AskInput } from './flow-schema';

export type ParsedAnswer = { kind: 'valid'; value: string } | { kind: 'invalid' };

/** What the person sent while a question was waiting: typed text, a tapped answer, or a picked date. */
export interface AnswerInput {
  text?: string;
  answer?: string;
  date?: string;
}

export const skipAnswer = 'skip';

export function parseAnswer(input: AskInput, reply: AnswerInput, today: DateTime): ParsedAnswer {
  switch (input.type) {
    case 'choice':
      return reply.answer !== undefined && input.options.includes(reply.answer) ? valid(reply.answer) : invalid;
    case 'text': {
      const text = (reply.text ?? '').trim().replace(/\s+/g, ' ');
      const length = [...text].length;
      return length >= input.minLength && length <= input.maxLength ? valid(text) : invalid;
    }
    case 'mobile':
      return parseTaiwanMobile(reply.text ?? '');
    case 'email': {
      const email = (reply.text ?? '').trim().toLowerCase();
      return /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(email) && email.length <= 254 ? valid(email) : invalid;
    }
    case 'date':
      return parseDate(reply.date ?? reply.text ?? '', input.notInFuture, today);
  }
}

/** Taiwan mobile numbers are 09 + 8 digits, or +886 9 + 8 digits; stored as 09xxxxxxxx. */
function parseTaiwanMobile(raw: string): ParsedAnswer {
  const digits = toHalfWidth(raw).replace(/[\s\-().]/g, '');
  const match = /^(?:\+?886|0)(9\d{8})$/.exec(digits);
  return match ? valid(`0${match[1]}`) : invalid;
}

function parseDate(raw: string, notInFuture: boolean, today: DateTime): ParsedAnswer {
  const match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(toHalfWidth(raw).trim());
  if (!match) return invalid;
  const date = DateTime.fromObject({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) });
  if (!date.isValid || date.year < 1900) return invalid;
  if (notInFuture && date.toISODate()! > today.toISODate()!) return invalid;
  return valid(date.toISODate()!);
}

function toHalfWidth(text: string): string {
  return text.normalize('NFKC');
}

const invalid: ParsedAnswer = { kind: 'invalid' };
function valid(value: string): ParsedAnswer {
  return { kind: 'valid', value };
}
