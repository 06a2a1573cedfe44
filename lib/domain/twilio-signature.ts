import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';

export type SignedParams = Readonly<Record<string, string | readonly string[]>>;

/** The hashes Twilio signs webhooks with: SHA-1 with an auth token, either with a shared key. */
export type SignatureAlgorithm = 'HMAC_SHA1' | 'HMAC_SHA256';

const HASH_NAMES: Readonly<Record<SignatureAlgorithm, string>> = {
  HMAC_SHA1: 'sha1',
  HMAC_SHA256: 'sha256',
};

/**
 * Twilio's X-Twilio-Signature: an HMAC (SHA-1 unless a shared key's settings say otherwise) over
 * the URL followed by every field, sorted by name, as `name + value`. A repeated name contributes
 * each distinct value in sorted order: twilio-node (the reference implementation) de-duplicates
 * and sorts them, so we do exactly the same.
 */
export const computeTwilioSignature = (
  secret: string,
  url: string,
  params: SignedParams,
  algorithm: SignatureAlgorithm = 'HMAC_SHA1',
): string => {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (typeof value === 'string') {
      data += name + value;
    } else if (value !== undefined) {
      for (const item of Array.from(new Set(value)).sort()) data += name + item;
    }
  }
  return createHmac(HASH_NAMES[algorithm], secret)
    .update(Buffer.from(data, 'utf-8'))
    .digest('base64');
};

interface UrlParts {
  scheme: string;
  userInfo: string;
  host: string;
  /** Whether the URL names a port (which one never matters: it is kept or dropped whole). */
  hasPort: boolean;
  rest: string;
}

// Splits without normalising: the path and query must keep the exact characters Twilio signed.
const splitUrl = (url: string): UrlParts | undefined => {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const [prefix, scheme = '', authority = ''] = match;
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // A colon only starts the port after the closing bracket of an IPv6 literal.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    hasPort: portStart !== -1,
    rest: url.slice(prefix.length),
  };
};

const withDefaultPort = (url: string): string => {
  const parts = splitUrl(url);
  if (!parts || parts.hasPort) return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
};

const withoutPort = (url: string): string => {
  const parts = splitUrl(url);
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url;
};

const withLegacyQuerystring = (url: string): string => {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  return `${url.slice(0, queryStart)}?${stringifyQuery(parseQuery(url.slice(queryStart + 1)))}`;
};

/**
 * The URLs a genuine signature may have been computed over, in twilio-node's order: Twilio's own
 * signing is inconsistent about the default port, and some back ends sign a normalised URL.
 */
export const candidateSignedUrls = (url: string): string[] => {
  const candidates = [withoutPort(url), withDefaultPort(url)];
  // A URL no parser reads is checked as written (as twilio-node does).
  const normalized = URL.canParse(url) ? new URL(url).toString() : undefined;
  if (normalized !== undefined) {
    const bare = withoutPort(normalized);
    const ported = withDefaultPort(normalized);
    candidates.push(bare, ported, withLegacyQuerystring(bare), withLegacyQuerystring(ported));
  }
  return [...new Set(candidates)];
};

// Length is fixed by the algorithm (not secret), so the early length check leaks nothing.
const safeEqual = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

export interface SignatureCheck {
  /**
   * Primary token first, then the previous one during a rotation; or, for a request signed with a
   * shared key, that key's secret alone.
   */
  authTokens: readonly string[];
  /** HMAC_SHA1 (the default) unless the request's signature settings name another. */
  algorithm?: SignatureAlgorithm;
  /** The URL configured in Twilio, query string included. */
  url: string;
  params: SignedParams;
  signature: string | undefined;
}

/** Accepts what twilio-node's `validateRequest` accepts, for any of the given tokens. */
export const isValidTwilioSignature = ({
  authTokens,
  url,
  params,
  signature,
  algorithm = 'HMAC_SHA1',
}: SignatureCheck): boolean => {
  if (!signature) return false;
  const received = Buffer.from(signature);
  const urls = candidateSignedUrls(url);
  return authTokens.some((token) =>
    urls.some((candidate) =>
      safeEqual(received, Buffer.from(computeTwilioSignature(token, candidate, params, algorithm))),
    ),
  );
};

/** Hex SHA-256 of a JSON body, as Twilio puts it in the `bodySHA256` query parameter it signs. */
export const bodySha256Hex = (body: string): string =>
  createHash('sha256').update(Buffer.from(body, 'utf-8')).digest('hex');

/**
 * Twilio's signature of a JSON-bodied request (Event Streams webhook sinks): the body is not a
 * form, so Twilio adds `bodySHA256={hex SHA-256 of the body}` to the URL's query and signs that
 * URL with no fields. Valid when the signature matches for one of the tokens AND the query's
 * `bodySHA256` is the hash of the body received (twilio-node's `validateRequestWithBody`).
 */
export const isValidTwilioJsonSignature = (check: {
  authTokens: readonly string[];
  /** The URL Twilio requested, its query (with `bodySHA256`) included. */
  url: string;
  body: string;
  signature: string | undefined;
}): boolean => {
  const queryStart = check.url.indexOf('?');
  if (queryStart === -1) return false;
  const announced = new URLSearchParams(check.url.slice(queryStart + 1)).get('bodySHA256');
  if (announced === null) return false;
  const actual = Buffer.from(bodySha256Hex(check.body));
  if (!safeEqual(Buffer.from(announced.toLowerCase()), actual)) return false;
  return isValidTwilioSignature({ ...check, params: {} });
};
