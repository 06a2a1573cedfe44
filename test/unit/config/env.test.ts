import { describe, expect, it } from 'vitest';
import {
  accountSid,
  apiBaseUrl,
  archivePrefix,
  bool,
  ConfigurationError,
  int,
  optional,
  region,
  required,
  subaccounts,
  url,
} from '../../../lib/config/env.ts';

const MAIN = `AC${'a'.repeat(32)}`;
const SUB = `AC${'b'.repeat(32)}`;

describe('config env readers', () => {
  it('required trims, and refuses a missing or blank value by name', () => {
    // Assess
    expect(required({ X: '  v ' }, 'X')).toBe('v');
    expect(() => required({ X: '   ' }, 'X')).toThrow(new ConfigurationError('X is required'));
    expect(() => required({}, 'X')).toThrow(ConfigurationError);
    expect(optional({ X: ' ' }, 'X')).toBeUndefined();
  });

  it('bool reads true/false words, falls back when unset, refuses anything else', () => {
    // Assess
    expect(bool({ B: 'YES' }, 'B', false)).toBe(true);
    expect(bool({ B: '0' }, 'B', true)).toBe(false);
    expect(bool({}, 'B', true)).toBe(true);
    expect(() => bool({ B: 'maybe' }, 'B', true)).toThrow(/B must be true or false/);
  });

  it('int accepts integers within bounds only', () => {
    // Assess
    expect(int({ N: '5' }, 'N', 1, 1, 10)).toBe(5);
    expect(int({}, 'N', 7, 1, 10)).toBe(7);
    for (const value of ['0', '11', '2.5', 'ten']) {
      expect(() => int({ N: value }, 'N', 1, 1, 10), value).toThrow(
        /N must be an integer in 1..10/,
      );
    }
  });

  it('accountSid refuses a value that is not an AC… SID', () => {
    // Assess
    expect(accountSid({ TWILIO_ACCOUNT_SID: MAIN })).toBe(MAIN);
    expect(() => accountSid({ TWILIO_ACCOUNT_SID: 'AC123' })).toThrow(ConfigurationError);
  });

  it('url accepts http(s) only, and uses the fallback when unset', () => {
    // Assess
    expect(url({ U: 'http://127.0.0.1:9/x' }, 'U')).toBe('http://127.0.0.1:9/x');
    expect(url({}, 'U')).toBeUndefined();
    expect(() => url({ U: 'file:///etc/passwd' }, 'U')).toThrow(/U must be an http\(s\) URL/);
    expect(() => url({ U: 'not a url' }, 'U')).toThrow(ConfigurationError);
    expect(apiBaseUrl({ TWILIO_API_BASE_URL: 'http://127.0.0.1:9//' })).toBe('http://127.0.0.1:9');
  });

  it('archivePrefix defaults to media/, adds the slash, refuses absolute or climbing prefixes', () => {
    // Assess
    expect(archivePrefix({})).toBe('media/');
    expect(archivePrefix({ ARCHIVE_PREFIX: 'twilio' })).toBe('twilio/');
    expect(archivePrefix({ ARCHIVE_PREFIX: 'a/b/' })).toBe('a/b/');
    expect(() => archivePrefix({ ARCHIVE_PREFIX: '/abs' })).toThrow(ConfigurationError);
    expect(() => archivePrefix({ ARCHIVE_PREFIX: 'a/../b' })).toThrow(ConfigurationError);
  });

  it('region prefers AWS_REGION over AWS_DEFAULT_REGION', () => {
    // Assess
    expect(region({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' })).toBe('eu-west-1');
    expect(region({ AWS_DEFAULT_REGION: 'us-east-1' })).toBe('us-east-1');
    expect(region({})).toBeUndefined();
  });

  it('subaccounts drops the main account from a list and names the variable on a bad entry', () => {
    // Assess
    expect(subaccounts({ TWILIO_SUBACCOUNTS: `${MAIN},${SUB}` }, MAIN)).toEqual({
      kind: 'list',
      sids: [SUB],
    });
    expect(subaccounts({}, MAIN)).toEqual({ kind: 'none' });
    expect(() => subaccounts({ TWILIO_SUBACCOUNTS: 'ACnope' }, MAIN)).toThrow(
      /^TWILIO_SUBACCOUNTS: entry 1 /,
    );
  });
});
