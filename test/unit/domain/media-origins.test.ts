import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TWILIO_MEDIA_ORIGINS,
  describeUrlSafely,
  formatMediaOrigin,
  hostKind,
  isAllowedMediaOrigin,
  MediaOriginSyntaxError,
  parseMediaOrigin,
  parseMediaOrigins,
  redactUrls,
} from '../../../lib/domain/media-origins.ts';

const allowed = (origins: string, url: string) =>
  isAllowedMediaOrigin(parseMediaOrigins(origins), new URL(url));

describe('parseMediaOrigin', () => {
  it('normalises case, IDN, the default port and a trailing dot', () => {
    // Act
    const origins = [
      'HTTPS://MMS.TwilioCDN.COM',
      'https://*.Bücher.example:443',
      'https://media.twiliocdn.com.',
      'http://127.0.0.1:4011/',
      'http://[::1]:9000',
    ].map((text) => formatMediaOrigin(parseMediaOrigin(text)));

    // Assess
    expect(origins).toEqual([
      'https://mms.twiliocdn.com',
      'https://*.xn--bcher-kva.example',
      'https://media.twiliocdn.com',
      'http://127.0.0.1:4011',
      'http://[::1]:9000',
    ]);
  });

  it.each([
    'http://mms.twiliocdn.com',
    'http://localhost.example.com',
    'http://*.localhost',
    'http://192.168.1.10',
    'https://*',
    'https://*.com',
    'https://*.*.twiliocdn.com',
    'https://mms.*.com',
    'https://*.[::1]',
    'https://u@mms.twiliocdn.com',
    'https://mms.twiliocdn.com/path',
    'https://mms.twiliocdn.com/?q',
    'https://mms.twiliocdn.com#f',
    'file:///etc/passwd',
    '',
  ])('refuses %j', (text) => {
    expect(() => parseMediaOrigin(text)).toThrow(MediaOriginSyntaxError);
  });

  it('accepts the defaults, https only', () => {
    // Act
    const origins = parseMediaOrigins(DEFAULT_TWILIO_MEDIA_ORIGINS);

    // Assess
    expect(origins.map((origin) => origin.protocol)).toEqual(['https:', 'https:', 'https:']);
    expect(origins.every((origin) => !origin.wildcard)).toBe(true);
  });
});

describe('isAllowedMediaOrigin', () => {
  it.each([
    ['https://mms.twiliocdn.com', 'https://mms.twiliocdn.com/v1/x?Signature=y', true],
    ['https://mms.twiliocdn.com', 'https://MMS.TWILIOCDN.COM/v1/x', true],
    ['https://mms.twiliocdn.com', 'https://mms.twiliocdn.com./v1/x', true],
    ['https://mms.twiliocdn.com', 'https://mms.twiliocdn.com:443/v1/x', true],
    ['https://mms.twiliocdn.com', 'https://mms.twiliocdn.com:8443/v1/x', false],
    ['https://mms.twiliocdn.com', 'http://mms.twiliocdn.com/v1/x', false],
    ['https://mms.twiliocdn.com', 'https://mms.twiliocdn.com.evil.example/v1/x', false],
    ['https://mms.twiliocdn.com', 'https://evilmms.twiliocdn.com/v1/x', false],
    ['https://mms.twiliocdn.com', 'https://xmms.twiliocdn.com/v1/x', false],
    // A dotless ı is a different host (punycode), never Twilio's.
    ['https://mms.twiliocdn.com', 'https://mms.twılıocdn.com/v1/x', false],
    ['https://*.twiliocdn.com', 'https://media.twiliocdn.com/x', true],
    ['https://*.twiliocdn.com', 'https://a.b.twiliocdn.com/x', true],
    ['https://*.twiliocdn.com', 'https://twiliocdn.com/x', false],
    ['https://*.twiliocdn.com', 'https://eviltwiliocdn.com/x', false],
    ['https://*.twiliocdn.com', 'https://media.twiliocdn.com.evil.example/x', false],
    ['https://*.twiliocdn.com', 'https://media.twiliocdn.com:444/x', false],
    ['https://*.bücher.example', 'https://cdn.xn--bcher-kva.example/x', true],
    ['https://*.bücher.example', 'https://cdn.BÜCHER.example/x', true],
    ['http://127.0.0.1:4011', 'http://127.0.0.1:4011/v1/x', true],
    ['http://127.0.0.1:4011', 'http://127.0.0.1:4012/v1/x', false],
    ['http://127.0.0.1:4011', 'http://localhost:4011/v1/x', false],
    ['http://127.0.0.1:4011', 'https://127.0.0.1:4011/v1/x', false],
    ['http://127.0.0.1:4011', 'http://2130706433:4011/v1/x', true],
    ['https://mms.twiliocdn.com', 'http://169.254.169.254/latest/meta-data', false],
    ['https://mms.twiliocdn.com', 'https://0xA9FEA9FE/latest/meta-data', false],
    ['https://mms.twiliocdn.com', 'https://[::ffff:169.254.169.254]/x', false],
    ['https://mms.twiliocdn.com', 'https://10.0.0.1/x', false],
  ])('%s allows %s: %s', (origins, url, expected) => {
    expect(allowed(origins, url)).toBe(expected);
  });
});

describe('hostKind', () => {
  it.each([
    ['http://169.254.169.254/latest', 'a link-local address'],
    ['http://2852039166/latest', 'a link-local address'],
    ['http://10.1.2.3/', 'a private address'],
    ['http://172.20.0.1/', 'a private address'],
    ['http://192.168.0.1/', 'a private address'],
    ['http://127.0.0.2:9/', 'a loopback address'],
    ['http://[::1]:9/', 'a loopback address'],
    ['http://[fe80::1]/', 'a link-local address'],
    ['http://[fd00::1]/', 'a private address'],
    ['http://8.8.8.8/', 'an IP address'],
    ['https://cdn.example.com/', 'a host'],
  ])('names %s %s', (url, kind) => {
    expect(hostKind(new URL(url))).toBe(kind);
  });
});

describe('describeUrlSafely and redactUrls', () => {
  it('keeps host and path, drops userinfo, query and fragment', () => {
    // Prepare
    const url = new URL('https://user:pw@mms.twiliocdn.com:8443/v1/a/ME1?Signature=s3cr3t#f');

    // Act
    const text = describeUrlSafely(url);

    // Assess
    expect(text).toBe('mms.twiliocdn.com:8443/v1/a/ME1');
  });

  it('reduces every URL in a message', () => {
    // Act
    const text = redactUrls(
      'Request cannot be constructed from a URL that includes credentials: https://u:pw@h.example/p?Signature=s3cr3t',
    );

    // Assess
    expect(text).toBe(
      'Request cannot be constructed from a URL that includes credentials: h.example/p',
    );
  });
});
