import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { COMMON_HEADERS, sendText } from './http.ts';

/**
 * The browser's only login: a random token per start, printed in the link (`?token=…`). The first
 * request trades it for a cookie and is redirected to the same URL without it, so the token does
 * not stay in the address bar or the history. The Host check stays in front of it: a tunnel or a
 * rebinding page that reaches the port still has no token.
 */
export interface AccessGate {
  token: string;
  /** `true` when the request may go on; otherwise the gate has answered it (401 or 303). */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
}

export const TOKEN_PARAMETER = 'token';
const MAX_TOKEN_LENGTH = 256;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export const newAccessToken = (): string => randomBytes(32).toString('base64url');

const cookieValue = (header: string | undefined, name: string): string | undefined => {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
};

export const createAccessGate = (options: { basePath: string; token?: string }): AccessGate => {
  const token = options.token ?? newAccessToken();
  const expected = digest(token);
  // Cookies ignore ports: a name per token keeps two browsers on one host (npm start, serve) apart.
  const cookieName = `archive-${expected.subarray(0, 6).toString('hex')}`;
  const path = `${options.basePath.replace(/\/+$/, '')}/`;
  // Equal-length digests: the comparison takes the same time whatever the guess.
  const matches = (candidate: string | undefined): boolean =>
    candidate !== undefined &&
    candidate.length <= MAX_TOKEN_LENGTH &&
    timingSafeEqual(digest(candidate), expected);

  const refuse = (res: ServerResponse) =>
    sendText(
      res,
      401,
      'the archive browser needs its link with ?token=… as printed at start (npm start or media-archive serve)\n',
    );

  return {
    token,
    admit: (req, res) => {
      const url = new URL(req.url ?? '/', 'http://archive.invalid');
      const offered = url.searchParams.get(TOKEN_PARAMETER);
      if (offered !== null) {
        if (!matches(offered)) {
          refuse(res);
          return false;
        }
        url.searchParams.delete(TOKEN_PARAMETER);
        res.writeHead(303, {
          ...COMMON_HEADERS,
          'set-cookie': `${cookieName}=${token}; Path=${path}; HttpOnly; SameSite=Strict`,
          location: `${url.pathname}${url.search}`,
          'cache-control': 'no-store',
        });
        res.end();
        return false;
      }
      if (matches(cookieValue(req.headers.cookie, cookieName))) return true;
      refuse(res);
      return false;
    },
  };
};
