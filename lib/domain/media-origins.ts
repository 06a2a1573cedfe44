import { isIP } from 'node:net';

/**
 * The media hosts the archiver may follow a redirect to: an allow-list of origins, because
 * whatever answers 200 there is archived as the media and the original deleted. A redirect to
 * anything else (loopback, link-local, private addresses, the API origin itself) is refused.
 */

/** Twilio's CDN hosts, and the S3 host that media from before enforced HTTP auth still uses. */
export const DEFAULT_TWILIO_MEDIA_ORIGINS: readonly string[] = [
  'https://mms.twiliocdn.com',
  'https://media.twiliocdn.com',
  'https://s3-external-1.amazonaws.com',
];

export interface MediaOrigin {
  protocol: 'https:' | 'http:';
  /** Lower case, punycode, no trailing dot; for a wildcard the part after `*.`. */
  host: string;
  /** `*.host`: any subdomain of `host` at any depth (as in CSP), never `host` itself. */
  wildcard: boolean;
  /** Empty for the scheme's default port. */
  port: string;
}

export class MediaOriginSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaOriginSyntaxError';
  }
}

const stripDot = (host: string) => (host.endsWith('.') ? host.slice(0, -1) : host);

const isIpLiteral = (host: string) => host.startsWith('[') || isIP(host) !== 0;

/** 127.0.0.0/8, ::1 and `localhost`: the only hosts plain http is allowed for (local stack). */
export const isLoopbackHost = (host: string): boolean => {
  const bare = stripDot(host.toLowerCase());
  return bare === 'localhost' || bare === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(bare);
};

/** One `scheme://host[:port]`, `*.` allowed as the leftmost label; nothing else may be given. */
export const parseMediaOrigin = (text: string): MediaOrigin => {
  const raw = text.trim();
  const refuse = (why: string): never => {
    throw new MediaOriginSyntaxError(`media origin "${raw}" ${why}`);
  };
  const wildcard = /^[a-z]+:\/\/\*\./i.test(raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('is not an origin (scheme://host[:port])');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') refuse('must be https');
  if (url.username || url.password) refuse('must not carry credentials');
  if (url.pathname !== '/' || url.search || url.hash || /^[a-z]+:\/\/[^/]*\/./i.test(raw)) {
    refuse('must be an origin only, without a path or query');
  }
  const hostname = stripDot(url.hostname);
  const host = wildcard ? hostname.slice(2) : hostname;
  if (host.includes('*')) refuse('may use * only as its whole leftmost label (*.example.com)');
  if (wildcard && (isIpLiteral(host) || host.split('.').length < 2)) {
    refuse('wildcard must name a domain with at least two labels (*.example.com)');
  }
  if (url.protocol === 'http:' && (wildcard || !isLoopbackHost(host))) {
    refuse('must be https (plain http only for a loopback origin listed exactly)');
  }
  return { protocol: url.protocol as MediaOrigin['protocol'], host, wildcard, port: url.port };
};

/** A comma-separated list; an empty list is refused (it would refuse every media). */
export const parseMediaOrigins = (list: string | readonly string[]): MediaOrigin[] => {
  const items = (typeof list === 'string' ? list.split(',') : list)
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 0) throw new MediaOriginSyntaxError('no media origin given');
  return items.map(parseMediaOrigin);
};

export const formatMediaOrigin = (origin: MediaOrigin): string =>
  `${origin.protocol}//${origin.wildcard ? '*.' : ''}${origin.host}${origin.port ? `:${origin.port}` : ''}`;

/** Whether `url`'s origin is one of `origins` (scheme and port exact, host per the wildcard). */
export const isAllowedMediaOrigin = (origins: readonly MediaOrigin[], url: URL): boolean => {
  const host = stripDot(url.hostname);
  return origins.some((origin) => {
    if (origin.protocol !== url.protocol || origin.port !== url.port) return false;
    if (!origin.wildcard) return host === origin.host;
    return !isIpLiteral(host) && host.endsWith(`.${origin.host}`);
  });
};

/** Host and path, never userinfo or query (signed CDN URLs carry their signature there). */
export const describeUrlSafely = (url: URL): string => {
  const path = url.pathname.length > 200 ? `${url.pathname.slice(0, 200)}…` : url.pathname;
  return `${url.host}${path}`;
};

const IPV4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;

/** What kind of host a refused redirect pointed at, for the reason a person reads in the DLQ. */
export const hostKind = (url: URL): string => {
  const host = stripDot(url.hostname.toLowerCase());
  if (isLoopbackHost(host)) return 'a loopback address';
  const v4 = IPV4.exec(host)?.slice(1).map(Number);
  if (v4) {
    const [a = 0, b = 0] = v4;
    if (a === 169 && b === 254) return 'a link-local address';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) {
      return 'a private address';
    }
    if (a === 0 || (a === 100 && b >= 64 && b <= 127)) return 'a private address';
    return 'an IP address';
  }
  if (host.startsWith('[')) {
    if (/^\[fe[89ab]/.test(host)) return 'a link-local address';
    if (/^\[f[cd]/.test(host)) return 'a private address';
    if (/^\[::ffff:/.test(host)) return 'an IPv4-mapped address';
    return 'an IP address';
  }
  return 'a host';
};

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/** Every URL in a message reduced to its host and path: for text that came from elsewhere. */
export const redactUrls = (text: string): string =>
  text.replace(URL_IN_TEXT, (match) => {
    try {
      return describeUrlSafely(new URL(match));
    } catch {
      return '<url>';
    }
  });
