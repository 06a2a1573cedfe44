import { describe, expect, it } from 'vitest';
import { createAccessGate } from '../../../lib/browser/access-token.ts';
import type { ArchiveBrowser } from '../../../lib/browser/archive-browser.ts';
import { sendText } from '../../../lib/browser/http.ts';
import { request } from '../../helpers/archive-browser.ts';

const TOKEN = 'k'.repeat(43);

/** The gate in front of a handler that answers "ok". */
const gated = (token = TOKEN): ArchiveBrowser => {
  const gate = createAccessGate({ basePath: '/archive', token });
  return async (req, res) => {
    if (gate.admit(req, res)) sendText(res, 200, 'ok');
  };
};

describe('createAccessGate', () => {
  it('trades the token for a strict HttpOnly cookie of the browser path and strips it from the URL', async () => {
    // Prepare
    const handler = gated();

    // Act
    const traded = await request(handler, `/archive/day/2026-11-26?token=${TOKEN}&account=AC1`);
    const cookie = traded.headers['set-cookie']?.split(';')[0] ?? '';
    const next = await request(handler, '/archive/day/2026-11-26', { headers: { cookie } });
    const amongOthers = await request(handler, '/archive/', {
      headers: { cookie: `theme=dark; ${cookie}; x=1` },
    });

    // Assess
    expect(traded.status).toBe(303);
    expect(traded.headers.location).toBe('/archive/day/2026-11-26?account=AC1');
    expect(traded.headers['set-cookie']).toMatch(
      new RegExp(`^archive-[0-9a-f]{12}=${TOKEN}; Path=/archive/; HttpOnly; SameSite=Strict$`),
    );
    expect(traded.headers['cache-control']).toBe('no-store');
    expect(next.status).toBe(200);
    expect(amongOthers.status).toBe(200);
  });

  it('answers 401 without a token, with a wrong one, a long one, or another start’s cookie', async () => {
    // Prepare
    const handler = gated();
    const other = createAccessGate({ basePath: '/archive' });
    const otherCookie = (
      await request(gated(other.token), `/archive/?token=${other.token}`)
    ).headers['set-cookie']?.split(';')[0];

    // Act
    const answers = await Promise.all([
      request(handler, '/archive/'),
      request(handler, `/archive/?token=${TOKEN.slice(1)}x`),
      request(handler, `/archive/?token=${'k'.repeat(5000)}`),
      request(handler, '/archive/', { headers: { cookie: otherCookie ?? '' } }),
      request(handler, '/archive/', { headers: { cookie: `archive-000000000000=${TOKEN}` } }),
    ]);

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.headers['set-cookie']).toBeUndefined();
    }
    expect(answers[0]?.body).toContain('?token=');
  });

  it('makes a new random token on every start', () => {
    // Act
    const tokens = new Set(
      Array.from({ length: 5 }, () => createAccessGate({ basePath: '/a' }).token),
    );

    // Assess
    expect(tokens.size).toBe(5);
    for (const token of tokens) expect(token).toMatch(/^[\w-]{43}$/);
  });
});
