import { describe, expect, it, vi } from 'vitest';
import { createArchiveBrowser } from '../../../lib/browser/archive-browser.ts';
import {
  BROWSER_AC,
  browserMediaSid,
  browserMessageSid,
  type FakeMedia,
  fakeReader,
  request,
} from '../../helpers/archive-browser.ts';

const TODAY = new Date('2026-11-26T15:00:00Z');
const MM1 = browserMessageSid(1);
const MM2 = browserMessageSid(2);
const AC2 = `AC${'b'.repeat(32)}`;

const ARCHIVE: FakeMedia[] = [
  { messageSid: MM1, mediaSid: browserMediaSid(1), day: '2026-11-26', extension: '.png' },
  {
    messageSid: MM1,
    mediaSid: browserMediaSid(2),
    day: '2026-11-26',
    extension: '.svg',
    details: { contentType: 'image/svg+xml', originalFilename: '<img src=x onerror=alert(1)>.svg' },
  },
  { messageSid: MM1, mediaSid: browserMediaSid(3), day: '2026-11-26', extension: '.pdf' },
  { messageSid: MM2, mediaSid: browserMediaSid(4), day: '2026-11-20', extension: '.ogg' },
  { messageSid: MM2, mediaSid: browserMediaSid(5), day: '2026-11-20', extension: '.mp4' },
];

const browserOf = (
  media: FakeMedia[] = ARCHIVE,
  options: Parameters<typeof fakeReader>[1] = {},
) => {
  const reader = fakeReader(media, options);
  const onError = vi.fn();
  const browser = createArchiveBrowser({
    reader,
    prefix: 'media/',
    now: () => TODAY,
    pageSize: 2,
    onError,
  });
  return { reader, browser, onError };
};

const mediaUrl = (media: FakeMedia) =>
  `/archive/media/${BROWSER_AC}/${media.day.replaceAll('-', '/')}/${media.messageSid}/${media.mediaSid}${media.extension}`;

describe('createArchiveBrowser', () => {
  describe('pages', () => {
    it('lists each day of the month up to today, once, and links the days with media', async () => {
      // Prepare
      const { browser, reader } = browserOf();

      // Act
      const page = await request(browser, '/archive/');

      // Assess
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.body).toContain('<h1>November 2026</h1>');
      expect(page.body).toContain(
        'href="/archive/day/2026-11-26" aria-label="26 November 2026: 3 media"',
      );
      expect(page.body).toContain(
        'href="/archive/day/2026-11-20" aria-label="20 November 2026: 2 media"',
      );
      expect(page.body).toContain('href="/archive/?month=2026-10"');
      expect(page.body).not.toContain('month=2026-12');
      const listings = reader.calls.filter((call) => call.startsWith('listDayPage'));
      expect(listings).toHaveLength(26);
      expect(listings.at(-1)).toBe(`listDayPage ${BROWSER_AC} 2026-11-26 `);
    });

    it('shows an older month with a link to the newer one, and refuses a malformed month', async () => {
      // Prepare
      const { browser } = browserOf();

      // Act
      const october = await request(browser, '/archive/?month=2026-10');
      const bad = await request(browser, '/archive/?month=2026-13%22%3E%3Cscript%3E');

      // Assess
      expect(october.body).toContain('No media archived in this month.');
      expect(october.body).toContain('href="/archive/?month=2026-11"');
      expect(bad.status).toBe(400);
      expect(bad.body).not.toContain('<script>');
    });

    it('shows a day page by page, grouped by message, with images inline and nothing else', async () => {
      // Prepare
      const { browser } = browserOf();

      // Act
      const first = await request(browser, '/archive/day/2026-11-26');
      const second = await request(browser, '/archive/day/2026-11-26?page=2');

      // Assess
      expect(first.body).toContain(`href="/archive/message/${MM1}?day=2026-11-26"`);
      expect(first.body.match(/<img /g)).toHaveLength(1);
      expect(first.body).toContain(
        `<img src="${mediaUrl(ARCHIVE[0] as FakeMedia)}" alt="Image 1 of 2, ${browserMediaSid(1)}"`,
      );
      expect(first.body).toContain('>SVG</span>');
      expect(first.body).toContain('href="/archive/day/2026-11-26?page=2"');
      expect(second.body).toContain('(continued)');
      expect(second.body).toContain('>PDF</span>');
      expect(second.body).not.toContain('Next page');
    });

    it('asks for the account when the archive holds several, and 404s an unknown one', async () => {
      // Prepare
      const { browser } = browserOf(ARCHIVE, { accounts: [BROWSER_AC, AC2] });

      // Act
      const choice = await request(browser, '/archive/day/2026-11-26');
      const unknown = await request(browser, `/archive/day/2026-11-26?account=AC${'c'.repeat(32)}`);
      const badDay = await request(browser, '/archive/day/2026-02-30');

      // Assess
      expect(choice.body).toContain(`href="/archive/day/2026-11-26?account=${AC2}"`);
      expect(unknown.status).toBe(404);
      expect(badDay.status).toBe(404);
    });

    it("switches between accounts from an account's day", async () => {
      // Prepare
      const { browser } = browserOf(ARCHIVE, { accounts: [BROWSER_AC, AC2] });

      // Act
      const day = await request(browser, `/archive/day/2026-11-26?account=${BROWSER_AC}`);

      // Assess
      expect(day.status).toBe(200);
      expect(day.body).toContain(`<span aria-current="page">${BROWSER_AC}</span>`);
      expect(day.body).toContain(`href="/archive/day/2026-11-26?account=${AC2}"`);
    });

    it('shows a message with escaped metadata, players for audio/video and no addresses by default', async () => {
      // Prepare
      const { browser } = browserOf();

      // Act
      const svgMessage = await request(browser, `/archive/message/${MM1}?day=2026-11-26`);
      const avMessage = await request(browser, `/archive/message/${MM2}`);

      // Assess
      expect(svgMessage.status).toBe(200);
      expect(svgMessage.body).toContain('&lt;img src=x onerror=alert(1)&gt;.svg');
      expect(svgMessage.body).not.toContain('<img src=x');
      expect(svgMessage.body.match(/<img /g)).toHaveLength(1);
      expect(svgMessage.body).toContain('Open PDF');
      expect(svgMessage.body).toContain('<time datetime="2026-11-26T11:59:58.000Z">');
      expect(avMessage.body).toContain('<audio controls');
      expect(avMessage.body).toContain('<video controls');
      expect(avMessage.body).not.toContain('<dt>From</dt>');
    });

    it('shows From/To only when the archive recorded them', async () => {
      // Prepare
      const media: FakeMedia = {
        messageSid: MM1,
        mediaSid: browserMediaSid(9),
        day: '2026-11-26',
        extension: '.jpg',
        details: { from: '+14155550199', to: 'whatsapp:+14155550100' },
      };
      const { browser } = browserOf([media]);

      // Act
      const page = await request(browser, `/archive/message/${MM1}`);

      // Assess
      expect(page.body).toContain('<dt>From</dt><dd>+14155550199</dd>');
      expect(page.body).toContain('<dt>To</dt><dd>whatsapp:+14155550100</dd>');
    });

    it('answers 404 for an unknown message and a page that does not exist', async () => {
      // Prepare
      const { browser } = browserOf();

      // Act
      const missing = await request(browser, `/archive/message/${browserMessageSid(77)}`);
      const junk = await request(browser, '/archive/message/<script>');
      const other = await request(browser, '/archive/nothing/here');
      const outside = await request(browser, '/archived');

      // Assess
      expect([missing.status, junk.status, other.status, outside.status]).toEqual([
        404, 404, 404, 404,
      ]);
      expect(junk.body).not.toContain('<script>');
    });
  });

  describe('search', () => {
    it('redirects a message SID to its page and a media SID to its place in the message', async () => {
      // Prepare
      const { browser, reader } = browserOf();

      // Act
      const message = await request(browser, `/archive/search?q=+${MM2}+`);
      const media = await request(browser, `/archive/search?q=${browserMediaSid(4)}`);

      // Assess
      expect(message.status).toBe(303);
      expect(message.headers.location).toBe(`/archive/message/${MM2}?day=2026-11-20`);
      expect(media.status).toBe(303);
      expect(media.headers.location).toBe(
        `/archive/message/${MM2}?day=2026-11-20#${browserMediaSid(4)}`,
      );
      expect(reader.calls).toContain(`findMessage ${MM2} `);
    });

    it('says what was searched when nothing is found, and echoes the query escaped', async () => {
      // Prepare
      const { browser } = browserOf();

      // Act
      const media = await request(browser, `/archive/search?q=${browserMediaSid(99)}`);
      const onDay = await request(
        browser,
        `/archive/search?q=${browserMediaSid(99)}&date=2026-11-01`,
      );
      const junk = await request(browser, '/archive/search?q=%22%3E%3Cscript%3Ex');

      // Assess
      expect(media.status).toBe(404);
      expect(media.body).toContain('between 2026-10-27 and 2026-11-26');
      expect(onDay.body).toContain('on 2026-11-01');
      expect(junk.status).toBe(400);
      expect(junk.body).toContain('value="&quot;&gt;&lt;script&gt;x"');
      expect(junk.body).not.toContain('"><script>');
    });
  });

  describe('media', () => {
    it('streams a media with its validators and answers a matching If-None-Match with 304', async () => {
      // Prepare
      const png = { ...(ARCHIVE[0] as FakeMedia), body: Buffer.from('PNG bytes') };
      const { browser } = browserOf([png]);

      // Act
      const first = await request(browser, mediaUrl(png));
      const second = await request(browser, mediaUrl(png), {
        headers: { 'if-none-match': first.headers.etag },
      });
      const head = await request(browser, mediaUrl(png), { method: 'HEAD' });

      // Assess
      expect(first.status).toBe(200);
      expect(first.body).toBe('PNG bytes');
      expect(first.headers).toMatchObject({
        'content-type': 'image/png',
        'content-length': '9',
        etag: `"${png.mediaSid.slice(2)}"`,
        'last-modified': 'Thu, 26 Nov 2026 12:00:00 GMT',
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, no-cache',
      });
      expect(first.headers['content-disposition']).toMatch(/^inline; filename="ME0+1\.png"$/);
      expect(first.headers['content-security-policy']).toContain('sandbox');
      expect(second.status).toBe(304);
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(second.body).toBe('');
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
    });

    it('serves SVG as an octet-stream attachment', async () => {
      // Prepare
      const svg = ARCHIVE[1] as FakeMedia;
      const { browser } = browserOf([svg]);

      // Act
      const answer = await request(browser, mediaUrl(svg));

      // Assess
      expect(answer.headers['content-type']).toBe('application/octet-stream');
      expect(answer.headers['content-disposition']).toMatch(/^attachment; filename="ME0+2\.svg"/);
    });

    it('refuses keys that are not media of the archive without asking S3', async () => {
      // Prepare
      const { browser, reader } = browserOf(ARCHIVE, { accounts: [BROWSER_AC] });
      const other = { ...(ARCHIVE[0] as FakeMedia), accountSid: AC2 };

      // Act
      const answers = await Promise.all(
        [
          '/archive/media/..%2F..%2Fsecret',
          '/archive/media/../../etc/passwd',
          `/archive/media/_index/${MM1}/${BROWSER_AC}/2026/11/26`,
          `/archive/media/${BROWSER_AC}/2026/11/26/${MM1}`,
          mediaUrl(other).replace(BROWSER_AC, AC2),
        ].map((url) => request(browser, url)),
      );

      // Assess
      expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404]);
      expect(reader.calls.filter((call) => call.startsWith('openConditional'))).toEqual([]);
    });

    it('answers 404 when the object is gone', async () => {
      // Prepare
      const { browser } = browserOf([]);

      // Act
      const answer = await request(browser, mediaUrl(ARCHIVE[0] as FakeMedia));

      // Assess
      expect(answer.status).toBe(404);
    });
  });

  describe('safety', () => {
    it('is read-only: anything but GET and HEAD is 405', async () => {
      // Prepare
      const { browser, reader } = browserOf();

      // Act
      const answers = await Promise.all(
        ['POST', 'PUT', 'DELETE', 'PATCH'].map((method) =>
          request(browser, mediaUrl(ARCHIVE[0] as FakeMedia), { method }),
        ),
      );

      // Assess
      for (const answer of answers) {
        expect(answer.status).toBe(405);
        expect(answer.headers.allow).toBe('GET, HEAD');
      }
      expect(reader.calls).toEqual([]);
    });

    it('answers only requests addressed to this machine and not relayed by a proxy', async () => {
      // Prepare
      const { browser } = browserOf();

      // Act
      const rebinding = await request(browser, '/archive/', { headers: { host: 'evil.example' } });
      const tunnel = await request(browser, '/archive/', {
        headers: { 'x-forwarded-for': '203.0.113.9' },
      });
      const ipv6 = await request(browser, '/archive/style.css', {
        headers: { host: '[::1]:3000' },
      });

      // Assess
      expect(rebinding.status).toBe(403);
      expect(tunnel.status).toBe(403);
      expect(ipv6.status).toBe(200);
    });

    it('sends a strict CSP, nosniff and no-store on pages', async () => {
      // Prepare
      const { browser } = browserOf();

      // Act
      const page = await request(browser, '/archive/');

      // Assess
      expect(page.headers['content-security-policy']).toMatch(/^default-src 'self';/);
      expect(page.headers['content-security-policy']).toContain("script-src 'none'");
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.body).not.toMatch(/<script|\sstyle="|\son\w+=/i);
    });

    it('answers 502 without internals when S3 fails, and reports the error', async () => {
      // Prepare
      const failure = Object.assign(new Error('secret detail at /home/x'), {
        name: 'AccessDenied',
      });
      const { browser, onError } = browserOf(ARCHIVE, { fail: failure });

      // Act
      const page = await request(browser, '/archive/');

      // Assess
      expect(page.status).toBe(502);
      expect(page.body).toContain('could not be read: AccessDenied.');
      expect(page.body).not.toContain('secret detail');
      expect(onError).toHaveBeenCalledWith(failure);
    });

    it('redirects the bare mount point to its first page', async () => {
      // Prepare
      const { browser } = browserOf();

      // Act
      const answer = await request(browser, '/archive');

      // Assess
      expect(answer.status).toBe(301);
      expect(answer.headers.location).toBe('/archive/');
    });
  });
});
