import { mayReceiveMarketing, type Consent } from '../../../src/loyalty/members/member';

const consent = (kind: Consent['kind'], status: Consent['status'], at: string): Consent => ({ kind, version: '2026-11', status, at: new Date(at), channel: 'line' });
const signup = [consent('terms', 'given', '2026-11-01T00:00:00Z'), consent('privacy', 'given', '2026-11-01T00:00:00Z')];

describe('mayReceiveMarketing()', () => {
  it.each([
    ['a member who joined and never chose (opt-out default)', signup, true],
    ['a member imported without any record', [], true],
    ['after a withdrawal', [...signup, consent('marketing', 'withdrawn', '2026-11-02T00:00:00Z')], false],
    ['after a withdrawal and a consent given again', [...signup, consent('marketing', 'withdrawn', '2026-11-02T00:00:00Z'), consent('marketing', 'given', '2026-11-03T00:00:00Z')], true],
    ['after a withdrawal following a consent', [...signup, consent('marketing', 'given', '2026-11-02T00:00:00Z'), consent('marketing', 'withdrawn', '2026-11-03T00:00:00Z')], false],
    ['when a later record of another kind follows the withdrawal', [consent('marketing', 'withdrawn', '2026-11-02T00:00:00Z'), consent('terms', 'given', '2026-12-01T00:00:00Z')], false],
  ])('%s', (_, consents, expected) => {
    expect(mayReceiveMarketing(consents)).toBe(expected);
  });
});
