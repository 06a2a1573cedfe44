import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TWILIO_MEDIA_ORIGINS,
  describeUrlSafely,
  formatMediaOrigin,
  hostKind,
  isAllowedMediaOrigin,
  isLoopbackHost,
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

describe('parseMediaOrigin at the edges of its grammar', () => {
  it.each([
    'http://127.0.0.1.example.com',
    'https://a.example.com/.',
    'https://a.example.com\\x',
    'https://a.example.com/%2e',
    'https://*.a.example.com/.',
    'https://*.co.',
    'ftp://a.example.com',
  ])('refuses %j', (text) => {
    expect(() => parseMediaOrigin(text)).toThrow(MediaOriginSyntaxError);
  });

  it.each([
    ['http://127.10.20.30:9000', 'http://127.10.20.30:9000'],
    ['http://localhost:4566', 'http://localhost:4566'],
    ['http://LOCALHOST.:4566', 'http://localhost:4566'],
    ['  https://a.example.com  ', 'https://a.example.com'],
    ['https://*.a.example.com', 'https://*.a.example.com'],
  ])('accepts %j as %j', (text, formatted) => {
    expect(formatMediaOrigin(parseMediaOrigin(text))).toBe(formatted);
  });

  it('says why, naming the origin as given', () => {
    // Act / Assess
    expect(() => parseMediaOrigin(' http://mms.twiliocdn.com ')).toThrow(
      'media origin "http://mms.twiliocdn.com" must be https (plain http only for a loopback origin listed exactly)',
    );
    expect(() => parseMediaOrigin('https://a.example.com/.')).toThrow(
      'media origin "https://a.example.com/." must be an origin only, without a path or query',
    );
  });

  it('keeps the parts an allow-list compares', () => {
    // Act / Assess
    expect(parseMediaOrigin('https://*.Example.com.:8443')).toEqual({
      protocol: 'https:',
      host: 'example.com',
      wildcard: true,
      port: '8443',
    });
    expect(parseMediaOrigin('http://localhost:4566')).toEqual({
      protocol: 'http:',
      host: 'localhost',
      wildcard: false,
      port: '4566',
    });
  });
});

describe('parseMediaOrigins', () => {
  it('ignores a trailing comma and blanks in the setting', () => {
    // Act
    const origins = parseMediaOrigins('https://a.example.com, ,https://b.example.com,');

    // Assess
    expect(origins.map(formatMediaOrigin)).toEqual([
      'https://a.example.com',
      'https://b.example.com',
    ]);
  });

  it.each([[''], [' , '], [[] as string[]]])('refuses an empty list %j', (list) => {
    expect(() => parseMediaOrigins(list)).toThrow('no media origin given');
  });
});

describe('isAllowedMediaOrigin over a list', () => {
  it('allows a URL on any listed origin, not only the first', () => {
    // Act / Assess
    expect(allowed('https://a.example.com,https://b.example.com', 'https://b.example.com/x')).toBe(
      true,
    );
    expect(allowed('https://a.example.com,https://b.example.com', 'https://c.example.com/x')).toBe(
      false,
    );
  });

  it('allows nothing with no origins', () => {
    // Act / Assess
    expect(isAllowedMediaOrigin([], new URL('https://mms.twiliocdn.com/x'))).toBe(false);
  });

  it('never lets a wildcard match an IP literal', () => {
    // Prepare: an origin built around the parser, which refuses a wildcard over an IP
    const origins = [{ protocol: 'https:', host: '0.1', wildcard: true, port: '' } as const];

    // Act / Assess
    expect(isAllowedMediaOrigin(origins, new URL('https://10.0.0.1/x'))).toBe(false);
  });
});

describe('parseMediaOrigin refusals say why', () => {
  it.each([
    ['https://', 'is not an origin (scheme://host[:port])'],
    ['ftp://a.example.com', 'must be https'],
    ['https://u:p@a.example.com', 'must not carry credentials'],
    ['https://a.example.com?q', 'must be an origin only, without a path or query'],
    ['https://a.example.com\\x', 'must be an origin only, without a path or query'],
    ['https://a*.example.com', 'may use * only as its whole leftmost label (*.example.com)'],
    ['https://*.com', 'wildcard must name a domain with at least two labels (*.example.com)'],
    [
      'http://*.localhost.example',
      'must be https (plain http only for a loopback origin listed exactly)',
    ],
  ])('%j %s', (text, why) => {
    // Act
    const parse = () => parseMediaOrigin(text);

    // Assess
    expect(parse).toThrow(new MediaOriginSyntaxError(`media origin "${text}" ${why}`));
    expect(parse).toThrow(expect.objectContaining({ name: 'MediaOriginSyntaxError' }));
  });

  it('trims the origin before it looks for a wildcard', () => {
    // Act / Assess
    expect(formatMediaOrigin(parseMediaOrigin(' https://*.a.example.com '))).toBe(
      'https://*.a.example.com',
    );
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['LocalHost.', true],
    ['[::1]', true],
    ['127.10.20.30', true],
    ['127.0.0.1.example.com', false],
    ['x127.0.0.1', false],
    ['128.0.0.1', false],
    ['localhost.example.com', false],
  ])('%s: %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('hostKind at the edges of each range', () => {
  it.each([
    ['http://169.1.2.3/', 'an IP address'],
    ['http://1.254.2.3/', 'an IP address'],
    ['http://172.15.0.1/', 'an IP address'],
    ['http://172.16.0.1/', 'a private address'],
    ['http://172.31.0.1/', 'a private address'],
    ['http://172.32.0.1/', 'an IP address'],
    ['http://1.16.0.1/', 'an IP address'],
    ['http://192.1.0.1/', 'an IP address'],
    ['http://1.168.0.1/', 'an IP address'],
    ['http://0.1.2.3/', 'a private address'],
    ['http://100.63.0.1/', 'an IP address'],
    ['http://100.64.0.1/', 'a private address'],
    ['http://100.127.0.1/', 'a private address'],
    ['http://100.128.0.1/', 'an IP address'],
    ['http://1.64.0.1/', 'an IP address'],
    ['http://[fc00::1]/', 'a private address'],
    ['http://[2001:db8::1]/', 'an IP address'],
    ['http://[::ffff:10.0.0.1]/', 'an IPv4-mapped address'],
    ['http://LOCALHOST./', 'a loopback address'],
  ])('names %s %s', (url, kind) => {
    expect(hostKind(new URL(url))).toBe(kind);
  });
});

describe('describeUrlSafely and redactUrls at their limits', () => {
  it('cuts a path longer than 200 characters, and only such a path', () => {
    // Prepare
    const exact = `/${'a'.repeat(199)}`;
    const longer = `/${'a'.repeat(200)}`;

    // Act / Assess
    expect(describeUrlSafely(new URL(`https://h.example${exact}`))).toBe(`h.example${exact}`);
    expect(describeUrlSafely(new URL(`https://h.example${longer}`))).toBe(
      `h.example${longer.slice(0, 200)}…`,
    );
  });

  it('replaces what looks like a URL but does not parse', () => {
    // Act / Assess
    expect(redactUrls('redirected to http://[zz?token=s3cr3t then failed')).toBe(
      'redirected to <url> then failed',
    );
  });
});
