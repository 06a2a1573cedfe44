import { describe, expect, it } from 'vitest';
import { basicCredentialsOf, isAuthorizedBasic } from '../../../lib/domain/basic-auth.ts';

const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
const expected = { username: 'twilio', password: 'p4ss:with:colons' };

describe('isAuthorizedBasic', () => {
  it('accepts exactly the configured pair (a password may hold colons)', () => {
    expect(isAuthorizedBasic(header('twilio:p4ss:with:colons'), expected)).toBe(true);
  });

  it.each([
    ['a wrong password', header('twilio:p4ss')],
    ['a wrong user', header('Twilio:p4ss:with:colons')],
    ['an empty header', ''],
    ['no header', undefined],
    ['another scheme', 'Digest x'],
    ['no colon', header('twilio')],
  ])('refuses %s', (_name, value) => {
    expect(isAuthorizedBasic(value, expected)).toBe(false);
  });

  it('splits user and password at the first colon', () => {
    expect(basicCredentialsOf(header('a:b:c'))).toEqual({ username: 'a', password: 'b:c' });
  });
});
