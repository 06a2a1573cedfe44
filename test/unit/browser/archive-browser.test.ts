import { describe, expect, it, vi } from 'vitest';
import { createArchiveBrowser } from '../../../lib/browser/archive-browser.ts';
import { ThumbnailError, type Thumbnailer } from '../../../lib/browser/thumbnails.ts';
import {
  BROWSER_AC,
  browserMediaSid,
  browserMessageSid,
  type FakeMedia,
  fakeReader,
  request,
} from '../../helpers/archive-browser.ts';
import { readZip } from '../../helpers/zip.ts';

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
        'href="/archive/day/2026-11-26" aria-label="26 November 2026: 3 media, 300 B"',
      );
      expect(page.body).toContain(
        'href="/archive/day/2026-11-20" aria-label="20 November 2026: 2 media, 200 B"',
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
      expect(svgMessage.body).toContain('Download PDF');
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
  describe('thumbnails, text, zip and file names', () => {
    const BIDI_NAME = 'invoice\u202efdp.exe';
    const withThumbnails = (media: FakeMedia[], extra: { text?: string } = {}) => {
      const reader = fakeReader(media);
      const made: string[] = [];
      const thumbnails: Thumbnailer = {
        thumbnail: async (key, etag, open) => {
          made.push(`${key} ${etag}`);
          const body = await open();
          body.destroy();
          return Buffer.from('WEBP thumbnail');
        },
      };
      const browser = createArchiveBrowser({
        reader,
        prefix: 'media/',
        now: () => TODAY,
        thumbnails,
        ...(extra.text !== undefined ? { messageText: async () => extra.text } : {}),
      });
      return { browser, reader, made };
    };

    it('points tiles at thumbnails that revalidate by ETag, with the original one click away', async () => {
      // Prepare
      const png = ARCHIVE[0] as FakeMedia;
      const { browser, made } = withThumbnails(ARCHIVE);
      const thumbUrl = mediaUrl(png).replace('/media/', '/thumb/');

      // Act
      const day = await request(browser, '/archive/day/2026-11-26');
      const first = await request(browser, thumbUrl);
      const second = await request(browser, thumbUrl, {
        headers: { 'if-none-match': first.headers.etag },
      });
      const svg = await request(
        browser,
        mediaUrl(ARCHIVE[1] as FakeMedia).replace('/media/', '/thumb/'),
      );

      // Assess
      expect(day.body).toContain(`<a href="${mediaUrl(png)}" class="thumb"><img src="${thumbUrl}"`);
      expect(day.body).toContain('<svg class="icon"');
      expect(first.status).toBe(200);
      expect(first.body).toBe('WEBP thumbnail');
      expect(first.headers).toMatchObject({
        'content-type': 'image/webp',
        etag: `"t${png.mediaSid.slice(2)}"`,
        'cache-control': 'private, no-cache',
      });
      expect(second.status).toBe(304);
      expect(made).toEqual([
        `media/${mediaUrl(png).slice('/archive/media/'.length)} "${png.mediaSid.slice(2)}"`,
      ]);
      expect(svg.status).toBe(404);
    });

    it('shows its own no-preview picture for an image the library cannot decode', async () => {
      // Prepare
      const bmp: FakeMedia = {
        messageSid: MM1,
        mediaSid: browserMediaSid(7),
        day: '2026-11-26',
        extension: '.bmp',
      };
      const browser = createArchiveBrowser({
        reader: fakeReader([bmp]),
        prefix: 'media/',
        thumbnails: {
          thumbnail: async () => {
            throw new ThumbnailError('the media could not be decoded as an image');
          },
        },
      });

      // Act
      const answer = await request(browser, mediaUrl(bmp).replace('/media/', '/thumb/'));

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('image/svg+xml');
      expect(answer.headers['content-security-policy']).toContain('sandbox');
      expect(answer.body).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(answer.body).not.toMatch(/script|on\w+=/i);
    });

    it('neutralises bidi and control characters in shown names and Content-Disposition', async () => {
      // Prepare
      const exe: FakeMedia = {
        messageSid: MM1,
        mediaSid: browserMediaSid(8),
        day: '2026-11-26',
        extension: '.bin',
        details: { contentType: 'application/octet-stream', originalFilename: BIDI_NAME },
      };
      const { browser } = withThumbnails([exe]);

      // Act
      const page = await request(browser, `/archive/message/${MM1}`);
      const media = await request(browser, mediaUrl(exe));

      // Assess
      expect(page.body).toContain('invoice_fdp.exe');
      expect(page.body).not.toContain('\u202e');
      expect(media.headers['content-disposition']).toBe(
        `attachment; filename="${exe.mediaSid}.bin"; filename*=UTF-8''invoice_fdp.exe`,
      );
    });

    it('says the text was not archived, or shows it escaped when the archive holds it', async () => {
      // Prepare
      const without = withThumbnails(ARCHIVE);
      const withText = withThumbnails(ARCHIVE, { text: 'Here <b>it</b> is' });

      // Act
      const plain = await request(without.browser, `/archive/message/${MM1}`);
      const shown = await request(withText.browser, `/archive/message/${MM1}`);

      // Assess
      expect(plain.body).toContain('Not archived');
      expect(shown.body).toContain('<p class="text">Here &lt;b&gt;it&lt;/b&gt; is</p>');
      expect(shown.body).not.toContain('Not archived');
    });

    it('streams a zip of the message with every media under its SID and neutralised name', async () => {
      // Prepare
      const media: FakeMedia[] = [
        { ...(ARCHIVE[0] as FakeMedia), body: Buffer.from('png bytes') },
        {
          ...(ARCHIVE[2] as FakeMedia),
          body: Buffer.from('%PDF bytes'),
          details: { originalFilename: `../${BIDI_NAME}` },
        },
      ];
      const { browser } = withThumbnails(media);

      // Act
      const answer = await request(browser, `/archive/zip/${MM1}.zip?day=2026-11-26`);
      const missing = await request(browser, `/archive/zip/${browserMessageSid(77)}.zip`);
      const entries = readZip(answer.bytes);

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/zip');
      expect(answer.headers['content-disposition']).toBe(`attachment; filename="${MM1}.zip"`);
      expect(
        Object.fromEntries([...entries].map(([name, bytes]) => [name, bytes.toString()])),
      ).toEqual({
        [`${browserMediaSid(1)}.png`]: 'png bytes',
        [`${browserMediaSid(3)}-.._invoice_fdp.exe`]: '%PDF bytes',
      });
      expect(missing.status).toBe(404);
    });

    it('shows byte totals per day in the calendar and per message on the day', async () => {
      // Prepare
      const media = [
        { ...(ARCHIVE[0] as FakeMedia), body: Buffer.alloc(1536) },
        { ...(ARCHIVE[2] as FakeMedia), body: Buffer.alloc(512) },
      ];
      const { browser } = withThumbnails(media);

      // Act
      const calendar = await request(browser, '/archive/');
      const day = await request(browser, '/archive/day/2026-11-26');

      // Assess
      expect(calendar.body).toContain('<span class="bytes">2.0 KiB</span>');
      expect(calendar.body).toContain('2 media (2.0 KiB) on 1 day');
      expect(day.body).toContain('2 media (2.0 KiB) in 1 message');
    });
  });
});
