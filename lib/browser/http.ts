import type { IncomingMessage, ServerResponse } from 'node:http';

/** Pages: no script at all, only this origin's stylesheet, images and players; never framed. */
export const PAGE_CSP =
  "default-src 'self'; script-src 'none'; object-src 'none'; style-src 'self'; img-src 'self'; " +
  "media-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Media opened on their own, PDFs included: nothing may run (PDFs are downloads, see media-policy). */
export const MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox";

export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

export const sendHtml = (res: ServerResponse, status: number, page: string): void => {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page),
    'content-security-policy': PAGE_CSP,
    'x-frame-options': 'DENY',
    // Listings change and may be sensitive: never kept by the browser or a proxy.
    'cache-control': 'no-store',
  });
  res.end(page);
};

export const sendText = (
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void => {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
};

export const redirect = (res: ServerResponse, status: 301 | 303, location: string): void => {
  res.writeHead(status, { ...COMMON_HEADERS, location, 'cache-control': 'no-store' });
  res.end();
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** The host name of the Host header (`[::1]:8080` → `[::1]`), lower case. */
export const hostnameOf = (host: string | undefined): string | undefined => {
  if (!host) return undefined;
  const match = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(host.trim().toLowerCase());
  return match?.[1];
};

/**
 * The browser has no login: it answers only requests addressed to this machine by name, so a web
 * page cannot reach it through DNS rebinding, and a tunnel that exposes the local stack's webhook
 * port (PUBLIC_WEBHOOK_URL) does not expose the archive with it.
 */
export const isLocalRequest = (req: IncomingMessage, allowedHosts: readonly string[]): boolean => {
  if (req.headers.forwarded || req.headers['x-forwarded-for'] || req.headers['x-forwarded-host']) {
    return false;
  }
  const name = hostnameOf(req.headers.host);
  return name !== undefined && (LOOPBACK.has(name) || allowedHosts.includes(name));
};
