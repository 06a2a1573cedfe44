import { parse, stringify } from 'node:querystring';
import fc from 'fast-check';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import {
  candidateSignedUrls,
  computeTwilioSignature,
  isValidTwilioSignature,
} from '../../../lib/domain/twilio-signature.ts';
import {
  buildMmsFields,
  type FormFields,
  TEST_AUTH_TOKEN,
  testMediaSid,
} from '../../helpers/twilio-webhook.ts';

const URL_443 = 'https://hooks.example.com:443/twilio/incoming';
const URL_NO_PORT = 'https://hooks.example.com/twilio/incoming';

const threeMedia = buildMmsFields({
  media: [
    { mediaSid: testMediaSid(1), contentType: 'image/jpeg' },
    { mediaSid: testMediaSid(2), contentType: 'image/png' },
    { mediaSid: testMediaSid(3), contentType: 'video/mp4' },
  ],
});

describe('computeTwilioSignature', () => {
  it('matches a vector computed by hand from the documented algorithm', () => {
    // Prepare: the worked example of twilio.com/docs/usage/security (URL + sorted name/value pairs, HMAC-SHA1, base64)
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    };

    // Act
    const signature = computeTwilioSignature('12345', url, params);

    // Assess
    expect(signature).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it.each<[string, string, FormFields]>([
    ['a real-shaped MMS with 3 media', URL_NO_PORT, threeMedia],
    ['WhatsApp fields', URL_NO_PORT, buildMmsFields({ whatsapp: true, media: [] })],
    ['a query string', `${URL_NO_PORT}?tenant=acme&x=%27q%27`, threeMedia],
    ['a non-default port', 'https://hooks.example.com:8443/twilio', threeMedia],
    ['repeated keys', URL_NO_PORT, { ...threeMedia, Tag: ['b', 'a', 'b'] }],
  ])('agrees with twilio-node for %s', (_name, url, fields) => {
    // Prepare
    const expected = twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, url, fields);

    // Act
    const actual = computeTwilioSignature(TEST_AUTH_TOKEN, url, fields);

    // Assess
    expect(actual).toBe(expected);
  });
});

describe('isValidTwilioSignature', () => {
  it('accepts a signature over the URL with or without the default port', () => {
    // Prepare
    const signedWithPort = computeTwilioSignature(TEST_AUTH_TOKEN, URL_443, threeMedia);
    const signedWithout = computeTwilioSignature(TEST_AUTH_TOKEN, URL_NO_PORT, threeMedia);
    const check = (url: string, signature: string) =>
      isValidTwilioSignature({ authTokens: [TEST_AUTH_TOKEN], url, params: threeMedia, signature });

    // Act
    const results = [
      check(URL_NO_PORT, signedWithPort),
      check(URL_443, signedWithout),
      check(URL_NO_PORT, signedWithout),
      check(URL_443, signedWithPort),
    ];

    // Assess
    expect(results).toEqual([true, true, true, true]);
  });

  it('adds :80 for http URLs and keeps a non-default port significant', () => {
    // Prepare
    const httpUrl = 'http://localhost/hook';
    const signed80 = computeTwilioSignature(TEST_AUTH_TOKEN, 'http://localhost:80/hook', {});
    const signed8443 = computeTwilioSignature(
      TEST_AUTH_TOKEN,
      'https://hooks.example.com:8443/twilio',
      {},
    );

    // Act
    const http80 = isValidTwilioSignature({
      authTokens: [TEST_AUTH_TOKEN],
      url: httpUrl,
      params: {},
      signature: signed80,
    });
    const otherPort = isValidTwilioSignature({
      authTokens: [TEST_AUTH_TOKEN],
      url: 'https://hooks.example.com/twilio',
      params: {},
      signature: signed8443,
    });

    // Assess
    expect(http80).toBe(true);
    expect(otherPort).toBe(false);
  });

  it('accepts the previous token during a rotation and refuses unknown tokens', () => {
    // Prepare
    const previous = 'ffffffffffffffffffffffffffffffff';
    const signature = computeTwilioSignature(previous, URL_NO_PORT, threeMedia);

    // Act
    const withRotation = isValidTwilioSignature({
      authTokens: [TEST_AUTH_TOKEN, previous],
      url: URL_NO_PORT,
      params: threeMedia,
      signature,
    });
    const withoutRotation = isValidTwilioSignature({
      authTokens: [TEST_AUTH_TOKEN],
      url: URL_NO_PORT,
      params: threeMedia,
      signature,
    });

    // Assess
    expect(withRotation).toBe(true);
    expect(withoutRotation).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['truncated', '0/KCTR6DLpKmkAf8'],
    ['longer', '0/KCTR6DLpKmkAf8muzZqo1nDgQ=0/KCTR6D'],
  ])('refuses a %s signature without throwing', (_name, signature) => {
    // Prepare
    const check = {
      authTokens: [TEST_AUTH_TOKEN],
      url: URL_NO_PORT,
      params: threeMedia,
      signature,
    };

    // Act
    const valid = isValidTwilioSignature(check);

    // Assess
    expect(valid).toBe(false);
  });

  it('refuses when any field was altered', () => {
    // Prepare
    const signature = computeTwilioSignature(TEST_AUTH_TOKEN, URL_NO_PORT, threeMedia);
    const tampered = { ...threeMedia, MediaUrl0: 'https://evil.example/x' };

    // Act
    const valid = isValidTwilioSignature({
      authTokens: [TEST_AUTH_TOKEN],
      url: URL_NO_PORT,
      params: tampered,
      signature,
    });

    // Assess
    expect(valid).toBe(false);
  });
});

describe('candidateSignedUrls', () => {
  it.each([
    ['a bare https URL', URL_NO_PORT, [URL_NO_PORT, URL_443]],
    ['an https URL with :443', URL_443, [URL_NO_PORT, URL_443]],
    ['an http URL', 'http://localhost/hook', ['http://localhost/hook', 'http://localhost:80/hook']],
    [
      'a non-default port',
      'https://hooks.example.com:8443/x?a=1',
      ['https://hooks.example.com/x?a=1', 'https://hooks.example.com:8443/x?a=1'],
    ],
    [
      'userinfo and an IPv6 host with a port',
      'https://u:p@[::1]:8443/x',
      ['https://u:p@[::1]/x', 'https://u:p@[::1]:8443/x'],
    ],
    [
      'an IPv6 host ending in a colon',
      'https://[::]:8443/x',
      ['https://[::]/x', 'https://[::]:8443/x'],
    ],
    ['a URL no parser reads', 'not a url', ['not a url']],
    ['a relative URL that holds one', '/x?u=https://h:1/y', ['/x?u=https://h:1/y']],
    [
      'an empty query',
      'https://h.example/x?',
      ['https://h.example/x?', 'https://h.example:443/x?'],
    ],
  ])('are exactly the URL without and with its port for %s', (_name, url, expected) => {
    // Act
    const candidates = candidateSignedUrls(url);

    // Assess
    expect(candidates).toEqual(expected);
  });

  it('add the normalised forms, with and without the default port, only when they differ', () => {
    // Act
    const candidates = candidateSignedUrls('HTTPS://Hooks.example.com/x?q=%7e&b');

    // Assess
    expect(candidates).toEqual([
      'HTTPS://Hooks.example.com/x?q=%7e&b',
      'HTTPS://Hooks.example.com:443/x?q=%7e&b',
      'https://hooks.example.com/x?q=%7e&b',
      'https://hooks.example.com:443/x?q=%7e&b',
      'https://hooks.example.com/x?q=~&b=',
      'https://hooks.example.com:443/x?q=~&b=',
    ]);
  });
});

describe('isValidTwilioSignature on URLs as twilio-node reads them', () => {
  const checkBoth = (signedUrl: string, receivedUrl: string) => {
    const signature = twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, signedUrl, threeMedia);
    const ours = isValidTwilioSignature({
      authTokens: [TEST_AUTH_TOKEN],
      url: receivedUrl,
      params: threeMedia,
      signature,
    });
    return {
      ours,
      twilioNode: twilio.validateRequest(TEST_AUTH_TOKEN, signature, receivedUrl, threeMedia),
    };
  };

  it.each([
    ['a non-default port', 'https://h.example.com/x', 'https://h.example.com:8443/x'],
    ['userinfo', 'https://u:p@h.example.com/x', 'https://u:p@h.example.com:8443/x'],
    ['an IPv6 host', 'https://[::1]/x', 'https://[::1]:8443/x'],
    ['an IPv6 host and the default port', 'https://[::1]:443/x', 'https://[::1]/x'],
    ['an upper-case scheme', 'HTTPS://h.example.com:443/x', 'HTTPS://h.example.com/x'],
  ])('accepts a URL received with %s and signed without it', (_name, signedUrl, receivedUrl) => {
    // Act
    const { ours, twilioNode } = checkBoth(signedUrl, receivedUrl);

    // Assess
    expect(ours).toBe(true);
    expect(twilioNode).toBe(true);
  });

  it.each([['not a url'], ['https://exa mple.com/x']])(
    'checks %j, which no URL parser reads, as written and without throwing',
    (url) => {
      // Prepare
      const signature = computeTwilioSignature(TEST_AUTH_TOKEN, url, threeMedia);
      const check = (sig: string) =>
        isValidTwilioSignature({
          authTokens: [TEST_AUTH_TOKEN],
          url,
          params: threeMedia,
          signature: sig,
        });

      // Act
      const genuine = check(signature);
      const forged = check(
        computeTwilioSignature('ffffffffffffffffffffffffffffffff', url, threeMedia),
      );

      // Assess
      expect(genuine).toBe(true);
      expect(forged).toBe(false);
    },
  );
});

describe('isValidTwilioSignature against twilio.validateRequest', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9._~'!$*()%+-]{0,8}$/);
  const host = fc.constantFrom(
    'hooks.example.com',
    'localhost',
    'EXAMPLE.org',
    '127.0.0.1',
    '[::1]',
  );
  const port = fc.constantFrom('', ':443', ':80', ':8443', ':3000');
  const query = fc.oneof(
    fc.constant(''),
    fc.constant('?'),
    fc
      .array(fc.tuple(segment, fc.option(segment, { nil: undefined })), { maxLength: 3 })
      .map((pairs) => `?${pairs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&')}`),
  );
  const url = fc
    .tuple(
      fc.constantFrom('https://', 'http://'),
      host,
      port,
      fc.array(segment, { maxLength: 3 }),
      query,
    )
    .map(([scheme, h, p, path, q]) => `${scheme}${h}${p}/${path.join('/')}${q}`);
  const value = fc.string({ unit: 'binary', maxLength: 12 });
  const fields = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== '__proto__'),
    fc.oneof(value, fc.array(value, { maxLength: 3 })),
    { maxKeys: 6 },
  );
  const token = fc.constantFrom(TEST_AUTH_TOKEN, 'ffffffffffffffffffffffffffffffff');

  it('agrees on signatures Twilio would compute, for any URL variant', () => {
    fc.assert(
      fc.property(
        url,
        url,
        fields,
        token,
        token,
        (signedUrl, receivedUrl, params, signer, ours) => {
          // Prepare
          const signature = twilio.getExpectedTwilioSignature(signer, signedUrl, params);

          // Act
          const actual = isValidTwilioSignature({
            authTokens: [ours],
            url: receivedUrl,
            params,
            signature,
          });

          // Assess
          expect(actual).toBe(twilio.validateRequest(ours, signature, receivedUrl, params));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('agrees when the received URL is the signed one modulo port', () => {
    fc.assert(
      fc.property(url, fields, fc.boolean(), (signedUrl, params, stripPort) => {
        // Prepare
        const received = stripPort
          ? signedUrl.replace(/^(https?:\/\/[^/]*?)(:\d+)?\//, '$1/')
          : signedUrl;
        const signature = twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, signedUrl, params);

        // Act
        const actual = isValidTwilioSignature({
          authTokens: [TEST_AUTH_TOKEN],
          url: received,
          params,
          signature,
        });

        // Assess
        expect(actual).toBe(twilio.validateRequest(TEST_AUTH_TOKEN, signature, received, params));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees when the signer used a normalised form of the received URL', () => {
    fc.assert(
      fc.property(url, fields, fc.nat(2), (received, params, variant) => {
        // Prepare: some back ends sign what `new URL()` or the legacy querystring make of the URL
        const normalized = new URL(received).toString();
        const [base = '', qs] = normalized.split(/\?(.*)/s);
        const legacy = qs ? `${base}?${stringify(parse(qs))}` : normalized;
        const signedUrl = [received, normalized, legacy][variant] ?? received;
        const signature = twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, signedUrl, params);

        // Act
        const actual = isValidTwilioSignature({
          authTokens: [TEST_AUTH_TOKEN],
          url: received,
          params,
          signature,
        });

        // Assess
        expect(actual).toBe(twilio.validateRequest(TEST_AUTH_TOKEN, signature, received, params));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees on arbitrary signature strings', () => {
    fc.assert(
      fc.property(url, fields, fc.string({ maxLength: 40 }), (u, params, signature) => {
        // Act
        const actual = isValidTwilioSignature({
          authTokens: [TEST_AUTH_TOKEN],
          url: u,
          params,
          signature,
        });

        // Assess
        expect(actual).toBe(twilio.validateRequest(TEST_AUTH_TOKEN, signature, u, params));
      }),
    );
  });
});
