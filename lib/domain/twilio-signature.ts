import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';

export type SignedParams = Readonly<Record<string, string | readonly string[]>>;

/**
 * Twilio's X-Twilio-Signature: HMAC-SHA1 over the URL followed by every field, sorted by name, as
 * `name + value`. A repeated name contributes each distinct value in sorted order: twilio-node
 * (the reference implementation) de-duplicates and sorts them, so we do exactly the same.
 */
export const computeTwilioSignature = (
  authToken: string,
  url: string,
  params: SignedParams,
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
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
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
  /** Primary token first, then the previous one during a rotation. */
  authTokens: readonly string[];
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
}: SignatureCheck): boolean => {
  if (!signature) return false;
  const received = Buffer.from(signature);
  const urls = candidateSignedUrls(url);
  return authTokens.some((token) =>
    urls.some((candidate) =>
      safeEqual(received, Buffer.from(computeTwilioSignature(token, candidate, params))),
    ),
  );
};
