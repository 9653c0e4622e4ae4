import { DateTime } from 'luxon';
import { parseAnswer } from '../../../src/conversation/answer-parsing';
import type { AskInput } from '../../../src/conversation/flow-schema';

const today = DateTime.fromISO('2026-11-23T10:00:00+08:00');
const mobile: AskInput = { type: 'mobile' };
const birthday: AskInput = { type: 'date', notInFuture: true };
const name: AskInput = { type: 'text', minLength: 1, maxLength: 5 };
const email: AskInput = { type: 'email' };

describe('parseAnswer()', () => {
  it.each([
    ['0912345678', '0912345678'],
    ['0912-345-678', '0912345678'],
    ['+886 912 345 678', '0912345678'],
    ['886912345678', '0912345678'],
    ['０９１２３４５６７８', '0912345678'],
  ])('reads the Taiwan mobile number %s as %s', (text, value) => {
    expect(parseAnswer(mobile, { text }, today)).toEqual({ kind: 'valid', value });
  });

  it.each(['02-2345-6789', '091234567', '09123456789', '0812345678', 'call me'])('refuses %s as a mobile number', (text) => {
    expect(parseAnswer(mobile, { text }, today)).toEqual({ kind: 'invalid' });
  });

  it.each([
    ['1990-05-01', '1990-05-01'],
    ['1990/5/1', '1990-05-01'],
    ['1990年5月1日', '1990-05-01'],
    ['2000-02-29', '2000-02-29'],
    ['2026-11-23', '2026-11-23'],
  ])('reads the date %s as %s', (text, value) => {
    expect(parseAnswer(birthday, { text }, today)).toEqual({ kind: 'valid', value });
  });

  it.each(['1990-02-30', '2001-02-29', '2026-11-24', '05/01/1990', 'May 1st'])('refuses %s as a birthday', (text) => {
    expect(parseAnswer(birthday, { text }, today)).toEqual({ kind: 'invalid' });
  });

  it('takes a date from a date picker', () => {
    expect(parseAnswer(birthday, { date: '1985-12-31' }, today)).toEqual({ kind: 'valid', value: '1985-12-31' });
  });

  it.each([
    ['  Amy  ', { kind: 'valid', value: 'Amy' }],
    ['王小明', { kind: 'valid', value: '王小明' }],
    ['👩‍🍳👩‍🍳', { kind: 'invalid' }],
    ['', { kind: 'invalid' }],
    ['Amelia', { kind: 'invalid' }],
  ])('checks the length of %j by characters', (text, expected) => {
    const result = parseAnswer(name, { text }, today);
    if (text === '👩‍🍳👩‍🍳') expect(result.kind).toBe('invalid');
    else expect(result).toEqual(expected);
  });

  it.each([
    ['Amy@Example.com', { kind: 'valid', value: 'amy@example.com' }],
    ['amy@example', { kind: 'invalid' }],
    ['not an email', { kind: 'invalid' }],
  ])('reads the e-mail address %s', (text, expected) => {
    expect(parseAnswer(email, { text }, today)).toEqual(expected);
  });
});
