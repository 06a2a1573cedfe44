import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import {
  computeTwilioSignature,
  isValidTwilioSignature,
} from '../../../lib/domain/twilio-signature.ts';
import {
  loggableKeyId,
  parseSharedKeys,
  parseSignatureSettings,
  SharedKeySyntaxError,
  sharedKeyAccounts,
  sharedKeySecret,
} from '../../../lib/domain/webhook-shared-keys.ts';

const MAIN = `AC${'a'.repeat(32)}`;
const SUB = `AC${'b'.repeat(32)}`;
const URL = 'https://hooks.example.com/twilio/messages?tenant=acme';
const SECRET = 'shared-key-secret-0123456789abcdef';
const FIELDS = {
  MessageSid: `MM${'1'.repeat(32)}`,
  NumMedia: '1',
  Body: 'héllo & 📷',
  To: ['b', 'a'],
};

describe('computeTwilioSignature with an algorithm', () => {
  it.each(['HMAC_SHA1', 'HMAC_SHA256'] as const)('matches twilio-node for %s', (algorithm) => {
    // Act
    const ours = computeTwilioSignature(SECRET, URL, FIELDS, algorithm);

    // Assess
    expect(ours).toBe(twilio.getExpectedTwilioSignature(SECRET, URL, FIELDS, algorithm));
  });

  it('signs with SHA-1 when no algorithm is named, as twilio-node does', () => {
    // Act
    const ours = computeTwilioSignature(SECRET, URL, FIELDS);

    // Assess
    expect(ours).toBe(twilio.getExpectedTwilioSignature(SECRET, URL, FIELDS));
    expect(ours).not.toBe(computeTwilioSignature(SECRET, URL, FIELDS, 'HMAC_SHA256'));
  });
});

describe('isValidTwilioSignature with an algorithm', () => {
  const sha256 = twilio.getExpectedTwilioSignature(SECRET, URL, FIELDS, 'HMAC_SHA256');
  const sha1 = twilio.getExpectedTwilioSignature(SECRET, URL, FIELDS, 'HMAC_SHA1');
  const check = (signature: string, algorithm?: 'HMAC_SHA1' | 'HMAC_SHA256') =>
    isValidTwilioSignature({
      authTokens: [SECRET],
      url: URL,
      params: FIELDS,
      signature,
      ...(algorithm ? { algorithm } : {}),
    });

  it('accepts a SHA-256 signature checked as SHA-256 only', () => {
    // Act + Assess
    expect(check(sha256, 'HMAC_SHA256')).toBe(true);
    expect(check(sha256, 'HMAC_SHA1')).toBe(false);
    expect(check(sha256)).toBe(false);
  });

  it('accepts a SHA-1 signature checked as SHA-1 (named or by default) only', () => {
    // Act + Assess
    expect(check(sha1, 'HMAC_SHA1')).toBe(true);
    expect(check(sha1)).toBe(true);
    expect(check(sha1, 'HMAC_SHA256')).toBe(false);
  });

  it('accepts SHA-256 over the URL with the default port too, as twilio-node does', () => {
    // Prepare
    const ported = 'https://hooks.example.com:443/twilio/messages?tenant=acme';
    const signature = twilio.getExpectedTwilioSignature(SECRET, ported, FIELDS, 'HMAC_SHA256');

    // Act + Assess
    expect(check(signature, 'HMAC_SHA256')).toBe(true);
    expect(twilio.validateRequest(SECRET, signature, URL, FIELDS, 'HMAC_SHA256')).toBe(true);
  });
});

describe('parseSignatureSettings', () => {
  it.each([[undefined], [''], ['   ']])('reads %j as the auth token signing', (header) => {
    // Act + Assess
    expect(parseSignatureSettings(header)).toEqual({ kind: 'auth-token' });
  });

  it.each([
    ['key=KS1,algorithm=HMAC_SHA256', 'KS1', 'HMAC_SHA256'],
    ['key=KS1,algorithm=HMAC_SHA1', 'KS1', 'HMAC_SHA1'],
    ['algorithm=hmac_sha256,key=KS2', 'KS2', 'HMAC_SHA256'],
    [' key = KS3 , algorithm = HMAC_SHA256 ', 'KS3', 'HMAC_SHA256'],
    ['key=KS4', 'KS4', 'HMAC_SHA1'],
    ['key=KS5,algorithm=', 'KS5', 'HMAC_SHA1'],
    ['junk,key=KS6,algorithm=HMAC_SHA256', 'KS6', 'HMAC_SHA256'],
    ['key=KS7,version=2,algorithm=HMAC_SHA256', 'KS7', 'HMAC_SHA256'],
  ])('reads %j as key %s with %s, the algorithm twilio-node reads', (header, keyId, algorithm) => {
    // Act
    const settings = parseSignatureSettings(header);

    // Assess
    expect(settings).toEqual({ kind: 'shared-key', keyId, algorithm });
    expect(twilio.getSignatureAlgorithm(header).toUpperCase()).toBe(algorithm);
  });

  it.each([
    ['algorithm=HMAC_SHA256', 'no key named'],
    ['key=,algorithm=HMAC_SHA256', 'no key named'],
    ['key=KS1,algorithm=HMAC_MD5', 'unsupported algorithm'],
    ['key=KS1,algorithm=SHA256', 'unsupported algorithm'],
    ['key=KS1,key=KS2,algorithm=HMAC_SHA256', 'key given twice'],
    ['key=KS1,algorithm=HMAC_SHA1,algorithm=HMAC_SHA256', 'algorithm given twice'],
    ['garbage', 'no key named'],
  ])('refuses %j (%s) rather than fall back to the auth token', (header, problem) => {
    // Act + Assess
    expect(parseSignatureSettings(header)).toEqual({ kind: 'unusable', problem });
  });
});

describe('parseSharedKeys', () => {
  it('reads no keys from an unset or empty value', () => {
    // Act + Assess
    expect(parseSharedKeys(undefined, MAIN).size).toBe(0);
    expect(parseSharedKeys('', MAIN).size).toBe(0);
    expect(parseSharedKeys(' , ,', MAIN).size).toBe(0);
  });

  it('gives unprefixed keys to the main account and AC…: keys to that subaccount', () => {
    // Act
    const keys = parseSharedKeys(
      ` KSmain1 = s1 ,KSmain2=s2=,${SUB}:KSsub=s3, ${SUB}:KSmain1=s4,`,
      MAIN,
    );

    // Assess
    expect([...keys.entries()].map(([sid, map]) => [sid, [...map.entries()]])).toEqual([
      [
        MAIN,
        [
          ['KSmain1', 's1'],
          ['KSmain2', 's2='],
        ],
      ],
      [
        SUB,
        [
          ['KSsub', 's3'],
          ['KSmain1', 's4'],
        ],
      ],
    ]);
  });

  it.each([
    ['KS1', 'entry 1 is not [AC…:]<key id>=<secret>'],
    ['=secret', 'entry 1 is not [AC…:]<key id>=<secret>'],
    ['KS1=s,KS2=', 'entry 2 is not [AC…:]<key id>=<secret>'],
    [`${SUB}:=s`, 'entry 1 is not [AC…:]<key id>=<secret>'],
    ['KS 1=s', 'entry 1: a key id has no spaces or colons'],
    [`AC${'b'.repeat(31)}:x=s`, 'entry 1: a key id has no spaces or colons'],
    ['KS1=a,KS1=b', 'entry 2: key id KS1 given twice for one account'],
    [`${SUB}:KS1=a,${SUB}:KS1=b`, 'entry 2: key id KS1 given twice for one account'],
  ])('refuses %j without echoing a secret', (value, message) => {
    // Act
    const attempt = () => parseSharedKeys(value, MAIN);

    // Assess
    expect(attempt).toThrow(SharedKeySyntaxError);
    expect(attempt).toThrow(new SharedKeySyntaxError(message));
  });

  it('names the error class for logs', () => {
    // Act + Assess
    expect(new SharedKeySyntaxError('x').name).toBe('SharedKeySyntaxError');
  });
});

describe('sharedKeySecret and sharedKeyAccounts', () => {
  const keys = parseSharedKeys(`KS1=main-secret,${SUB}:KS2=sub-secret`, MAIN);

  it('finds a key only under the account it was configured for', () => {
    // Act + Assess
    expect(sharedKeySecret(keys, MAIN, 'KS1')).toBe('main-secret');
    expect(sharedKeySecret(keys, SUB, 'KS2')).toBe('sub-secret');
    expect(sharedKeySecret(keys, SUB, 'KS1')).toBeUndefined();
    expect(sharedKeySecret(keys, MAIN, 'KS2')).toBeUndefined();
    expect(sharedKeySecret(undefined, MAIN, 'KS1')).toBeUndefined();
  });

  it('lists the subaccounts that have keys, never the main account', () => {
    // Act + Assess
    expect(sharedKeyAccounts(keys, MAIN)).toEqual([SUB]);
    expect(sharedKeyAccounts(parseSharedKeys('KS1=s', MAIN), MAIN)).toEqual([]);
  });
});

describe('loggableKeyId', () => {
  it.each([
    ['KS0123456789abcdef', 'KS0123456789abcdef'],
    ['webhooks_sharedkey.v1-a', 'webhooks_sharedkey.v1-a'],
    ['k'.repeat(64), 'k'.repeat(64)],
    ['k'.repeat(65), '(unprintable key id)'],
    ['', '(unprintable key id)'],
    ['a b', '(unprintable key id)'],
    ['x\ny', '(unprintable key id)'],
    ['+14155550100', '(unprintable key id)'],
  ])('shows %j as %j', (keyId, shown) => {
    // Act + Assess
    expect(loggableKeyId(keyId)).toBe(shown);
  });
});
