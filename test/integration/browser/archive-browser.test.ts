import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArchiveReader } from '../../../lib/adapters/s3/s3-archive-reader.ts';
import type { ArchiveBrowserServer } from '../../../lib/browser/server.ts';
import { runServe } from '../../../lib/cli/commands/serve.ts';
import { startLocalArchiveBrowser } from '../../../lib/compose/browser.ts';
import { recordKeyFor } from '../../../lib/domain/message-record.ts';
import type { LocalStack } from '../../../lib/local/local-stack.ts';
import { makeGif, makePdf, makePng } from '../../../lib/stand-ins/demo-media.ts';
import type { SeededMessage } from '../../../lib/stand-ins/twilio-emulator.ts';
import { incomingMessageFields, postSignedWebhook } from '../../../lib/stand-ins/webhook-client.ts';
import { waitFor } from '../../helpers/local-sqs.ts';
import { type ArchivedObject, readArchive, startTestStack } from '../../helpers/local-stack.ts';
import { readZip } from '../../helpers/zip.ts';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join(import.meta.dirname, '../../artifacts/archive-browser.png');
const SENDER = '+14155550199';
const SVG_WITH_SCRIPT = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><script>alert(2)</script></svg>',
);

/** fetch() will not send a Host header of its own choosing; node:http will (a tunnel's view). */
const statusWithHost = (url: string, host: string): Promise<number | undefined> =>
  new Promise((resolve, reject) => {
    get(url, { headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', reject);
  });

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** naturalWidth of every <img> of the page, each scrolled into view and decoded first. */
const imageWidths = (page: Page): Promise<Array<{ src: string; width: number }>> =>
  page.$$eval('img', (images) =>
    Promise.all(
      images.map(async (image) => {
        image.loading = 'eager';
        image.scrollIntoView();
        await image.decode().catch(() => undefined);
        return { src: image.getAttribute('src') ?? '', width: image.naturalWidth };
      }),
    ),
  );

describe('archive browser in headless Chromium', () => {
  let stack: LocalStack & { dataDir: string };
  let browser: ArchiveBrowserServer;
  /** The cookie the token link was traded for, as a request header. */
  let cookie: string;
  let archived: ArchivedObject[];
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let message: SeededMessage;
  let day: string;
  let archivedKeys: string[];

  beforeAll(async () => {
    // Prepare: the local stack with the browser on its own port, and one archived demo MMS
    stack = await startTestStack();
    browser = await startLocalArchiveBrowser(stack, { port: 0, dataDir: stack.dataDir });
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    message = emulator.addMessage({
      direction: 'inbound',
      from: SENDER,
      to: '+14155550100',
      body: 'Delivery photos',
      media: [
        {
          contentType: 'image/png',
          body: makePng(1200, 900, [220, 40, 60]),
          filename: 'porch.png',
        },
        { contentType: 'image/png', body: makePng(240, 320, [30, 120, 200]), filename: 'box.png' },
        { contentType: 'image/gif', body: makeGif(), filename: 'signature.gif' },
        { contentType: 'application/pdf', body: makePdf('Delivery note'), filename: 'note.pdf' },
        { contentType: 'image/svg+xml', body: SVG_WITH_SCRIPT, filename: 'x.svg' },
      ],
    });
    const answer = await postSignedWebhook({
      webhookUrl: stack.webhookUrl,
      authToken: stack.authToken,
      fields: incomingMessageFields({ accountSid: stack.accountSid, message, from: SENDER }),
    });
    if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}`);
    archived = await waitFor(
      async () => {
        const objects = await readArchive(stack.s3, stack.bucket);
        return objects.length === message.media.length && objects;
      },
      { timeoutMs: 60_000, what: 'the MMS archived' },
    );
    archivedKeys = archived.map((object) => object.key);
    day = (/\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(archivedKeys[0] ?? '') ?? []).slice(1).join('-');

    userDataDir = await mkdtemp(join(tmpdir(), 'archive-browser-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stack?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  it('keeps the archive off the webhook port and answers 401 without the token', async () => {
    // Act
    const onWebhookPort = await fetch(`${stack.httpBaseUrl}/archive/`);
    const noToken = await fetch(browser.pageUrl);
    const wrongToken = await fetch(`${browser.pageUrl}?token=${'x'.repeat(43)}`, {
      redirect: 'manual',
    });
    const forgedCookie = await fetch(browser.pageUrl, {
      headers: { cookie: 'archive-000000000000=guess' },
    });
    const media = await fetch(`${browser.pageUrl}media/${archived[0]?.key.slice('media/'.length)}`);
    const forwarded = await fetch(browser.url, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    const foreignHost = await statusWithHost(browser.url, 'tunnel.example');

    // Assess
    expect(onWebhookPort.status).toBe(404);
    expect(browser.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/archive\/\?token=[\w-]{43}$/);
    expect(noToken.status).toBe(401);
    expect(await noToken.text()).toContain('?token=');
    expect(wrongToken.status).toBe(401);
    expect(wrongToken.headers.get('set-cookie')).toBeNull();
    expect(forgedCookie.status).toBe(401);
    expect(media.status).toBe(401);
    expect(forwarded.status).toBe(403);
    expect(foreignHost).toBe(403);
  });

  it('trades the token link for a strict HttpOnly cookie, then navigates by clicking with thumbnails', async () => {
    // Act: the printed link; the calendar opens on the current month, the day may be in the previous one
    const landing = await page.goto(browser.url);
    const cookies = await context.cookies();
    cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const heading = await page.getByRole('heading', { level: 1 }).textContent();
    // The expected heading from Intl, not from the browser's own month table.
    const monthHeading = new Date(`${day}T00:00:00Z`).toLocaleString('en-US', {
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    if (heading !== monthHeading) await page.getByRole('link', { name: /Older/ }).click();
    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-calendar.png'), fullPage: true });
    const calendarText = (await page.locator('main').textContent()) ?? '';
    const dayLabel = `${Number(day.slice(8))} ${monthHeading}`;
    await page
      .getByRole('link', { name: new RegExp(`^${dayLabel}`) })
      .first()
      .click();
    await page.getByRole('heading', { level: 1, name: dayLabel }).waitFor();
    const dayImages = await imageWidths(page);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-day.png'), fullPage: true });
    await page.getByRole('link', { name: message.sid }).click();
    await page.getByRole('heading', { level: 1, name: `Message ${message.sid}` }).waitFor();
    const messageImages = await imageWidths(page);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const text = (await page.locator('main').textContent()) ?? '';
    const porch = archived.find(
      (object) => object.size === makePng(1200, 900, [220, 40, 60]).length,
    );
    const porchPath = porch?.key.slice('media/'.length);
    const thumbnail = await fetch(`${browser.pageUrl}thumb/${porchPath}`, { headers: { cookie } });
    const thumbnailBytes = Buffer.from(await thumbnail.arrayBuffer());
    const cached = await readdir(join(stack.dataDir, 'thumbnails'));

    // Assess: the token left the address bar; the cookie is the browser's only credential
    expect(landing?.status()).toBe(200);
    expect(page.url()).not.toContain('token=');
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/archive/' });
    expect(calendarText).toMatch(/\d+(\.\d+)? (KiB|MiB|B)/);
    // 3 inline images (PNG, PNG, GIF) on both pages, all thumbnails no wider than 340 px
    expect(dayImages).toHaveLength(3);
    expect(messageImages).toHaveLength(3);
    for (const image of [...dayImages, ...messageImages]) {
      expect(image.width, image.src).toBeGreaterThan(0);
      expect(image.width, image.src).toBeLessThanOrEqual(340);
      expect(image.src).toMatch(/^\/archive\/thumb\//);
    }
    expect(dayImages.map((image) => image.width)).toContain(340);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect(thumbnailBytes.length).toBeLessThan(porch?.size ?? 0);
    expect(cached.filter((name) => name.endsWith('.webp'))).toHaveLength(3);
    // The original is one click away from its thumbnail
    expect(await page.locator(`a[href="/archive/media/${porchPath}"] img`).count()).toBe(1);
    expect(await page.getByRole('link', { name: /Download PDF/ }).count()).toBe(1);
    for (const media of message.media) expect(text).toContain(media.sid);
    expect(text).toContain('porch.png');
    expect(text).toContain('Not archived');
    // Addresses were not archived (ARCHIVE_ADDRESSES unset): none on the page
    expect(text).not.toContain(SENDER);
    expect(await page.locator('img:not([alt]), img[alt=""]').count()).toBe(0);
  });

  it('fits a 390 px phone screen: no page or heading wider than the viewport', async () => {
    // Prepare: what scrolls sideways, per page (the document, or any heading cut off inside it)
    const overflow = () =>
      page.$$eval('h1, h2', (headings) => {
        const root = headings[0]?.ownerDocument.documentElement;
        const width = root?.clientWidth ?? 0;
        return {
          page: (root?.scrollWidth ?? 0) - width,
          headings: headings
            .filter((h) => h.scrollWidth > h.clientWidth || h.getBoundingClientRect().right > width)
            .map((h) => h.textContent ?? ''),
        };
      });
    await page.setViewportSize({ width: 390, height: 844 });

    // Act
    await page.goto(`${browser.pageUrl}day/${day}`);
    const dayPage = await overflow();
    await page.goto(`${browser.pageUrl}message/${message.sid}?day=${day}`);
    const messagePage = await overflow();
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // Assess
    expect(dayPage).toEqual({ page: 0, headings: [] });
    expect(messagePage).toEqual({ page: 0, headings: [] });
  });

  it('downloads the message as a zip holding every media byte for byte', async () => {
    // Act
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /as a zip/ }).click(),
    ]);
    const entries = readZip(await readFile((await download.path()) as string));

    // Assess
    expect(download.suggestedFilename()).toBe(`${message.sid}.zip`);
    expect(entries.size).toBe(message.media.length);
    expect([...entries.values()].map(sha256).sort()).toEqual(
      archived.map((object) => object.sha256).sort(),
    );
    expect([...entries.keys()]).toContain(`${message.media[0]?.sid}-porch.png`);
  });

  it('answers a second load of a media with 304, in the browser and to a conditional fetch', async () => {
    // Prepare
    const pngKey = archivedKeys.find((key) => key.endsWith('.png')) as string;
    const url = `${browser.pageUrl}media/${pngKey.slice('media/'.length)}`;
    const statuses: number[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/archive/thumb/')) statuses.push(response.status());
    });

    // Act
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    const reloaded = await imageWidths(page);
    const first = await fetch(url, { headers: { cookie } });
    const body = Buffer.from(await first.arrayBuffer());
    const etag = first.headers.get('etag');
    const second = await fetch(url, { headers: { cookie, 'if-none-match': etag ?? '' } });

    // Assess
    expect(reloaded.every((image) => image.width > 0)).toBe(true);
    expect(statuses).toContain(304);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/png');
    expect(first.headers.get('last-modified')).toBeTruthy();
    expect(body.subarray(1, 4).toString()).toBe('PNG');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(second.status).toBe(304);
    expect(second.headers.get('etag')).toBe(etag);
    expect((await second.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves SVGs and PDFs only as sandboxed attachments and refuses anything but GET/HEAD', async () => {
    // Prepare
    const svgKey = archivedKeys.find((key) => key.endsWith('.svg')) as string;
    const pdfKey = archivedKeys.find((key) => key.endsWith('.pdf')) as string;
    const url = `${browser.pageUrl}media/${svgKey.slice('media/'.length)}`;
    const headers = { cookie };

    // Act
    const svg = await fetch(url, { headers });
    const pdf = await fetch(`${browser.pageUrl}media/${pdfKey.slice('media/'.length)}`, {
      headers,
    });
    await pdf.arrayBuffer();
    const svgThumbnail = await fetch(`${browser.pageUrl}thumb/${svgKey.slice('media/'.length)}`, {
      headers,
    });
    const post = await fetch(url, { method: 'POST', headers });
    const traversal = await fetch(`${browser.pageUrl}media/..%2F..%2Fetc%2Fpasswd`, { headers });
    // The message's record: an object of the archive, but no media.
    const otherKey = await fetch(
      `${browser.pageUrl}media/${recordKeyFor(svgKey).slice('media/'.length)}`,
      { headers },
    );
    const page = await fetch(browser.pageUrl, { headers });

    // Assess
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('application/octet-stream');
    expect(svg.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(svg.headers.get('x-content-type-options')).toBe('nosniff');
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(pdf.headers.get('content-security-policy')).toMatch(/(^|; )sandbox$/);
    expect(svgThumbnail.status).toBe(404);
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(traversal.status).toBe(404);
    expect(otherKey.status).toBe(404);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('serves the same pages on its own port with media-archive serve', async () => {
    // Prepare
    const stdout = new PassThrough();
    let stop = () => {};
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    let url = '';
    let serving: Promise<void> = Promise.resolve();
    const listening = new Promise<void>((resolve) => {
      serving = runServe(
        { local: true, port: 0, host: '127.0.0.1' },
        {
          reader: createArchiveReader({ s3: stack.s3, bucket: stack.bucket, prefix: 'media/' }),
          bucket: stack.bucket,
          stdout,
          stderr: new PassThrough(),
          progress: { update: () => {}, done: () => {} },
          today: day,
          cwd: process.cwd(),
        },
        {
          prefix: 'media/',
          thumbnailDir: join(stack.dataDir, 'serve-thumbnails'),
          until,
          onListening: (at) => {
            url = at;
            resolve();
          },
        },
      );
      serving.catch(() => resolve());
    });
    await listening;

    // Act
    const pageUrl = url.replace(/\?token=.*$/, '');
    const root = await fetch(new URL('/', url), { redirect: 'manual' });
    const withoutToken = await fetch(`${pageUrl}?month=${day.slice(0, 7)}`);
    const traded = await fetch(url, { redirect: 'manual' });
    const served = (traded.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const calendar = await fetch(`${pageUrl}?month=${day.slice(0, 7)}`, {
      headers: { cookie: served },
    });
    const html = await calendar.text();
    const media = await fetch(`${pageUrl}media/${archivedKeys[0]?.slice('media/'.length)}`, {
      headers: { cookie: served },
    });
    await media.arrayBuffer();
    const otherBrowsersCookie = await fetch(pageUrl, { headers: { cookie } });
    stop();
    await serving;

    // Assess
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/archive\/\?token=[\w-]{43}$/);
    expect(String(stdout.read())).toContain(`archive browser (read-only): ${url}`);
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/archive/');
    expect(withoutToken.status).toBe(401);
    expect(traded.status).toBe(303);
    expect(traded.headers.get('location')).toBe('/archive/');
    expect(traded.headers.get('set-cookie')).toMatch(
      /; Path=\/archive\/; HttpOnly; SameSite=Strict$/,
    );
    expect(otherBrowsersCookie.status).toBe(401);
    expect(calendar.status).toBe(200);
    expect(html).toContain(`href="/archive/day/${day}"`);
    expect(media.status).toBe(200);
  });

  // Last: it damages the archive the tests above read.
  it('marks a media overwritten after archiving, then an unreadable record, on the day and message pages', async () => {
    // Prepare: what the local S3 made of `hold` (#21): a small XML body over a media, later over the record
    const recordKey = recordKeyFor(archivedKeys[0] as string);
    await waitFor(
      () =>
        stack.s3.send(new HeadObjectCommand({ Bucket: stack.bucket, Key: recordKey })).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 30_000, what: 'the message record' },
    );
    // The PDF: the GIF is 42 bytes, as long as this XML (same size, other bytes: see the README).
    const victim = archived.find((object) => object.key.endsWith('.pdf'));
    if (!victim) throw new Error('no PDF archived');
    const xml = Buffer.from('<LegalHold><Status>ON</Status></LegalHold>');
    const overwrite = (Key: string) =>
      stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key, Body: xml }));
    const victimSid = victim.key.slice(victim.key.lastIndexOf('/') + 1, -'.pdf'.length);
    await overwrite(victim.key);

    // Act
    await page.goto(browser.url);
    await page.goto(`${browser.pageUrl}day/${day}`);
    const dayText = (await page.locator('main').textContent()) ?? '';
    const damagedTiles = await page.locator('li.tile.damaged').count();
    await page.goto(`${browser.pageUrl}message/${message.sid}?day=${day}`);
    const damagedFigure =
      (await page.locator(`figure.damaged[id="${victimSid}"]`).textContent()) ?? '';
    const healthyFigures = await page.locator('figure.verified').count();
    await overwrite(recordKey);
    await page.goto(`${browser.pageUrl}message/${message.sid}?day=${day}`);
    const withoutRecord = (await page.locator('main').textContent()) ?? '';
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-damaged.png'), fullPage: true });

    // Assess
    expect(dayText).toContain('1 damaged on this page');
    expect(damagedTiles).toBe(1);
    expect(damagedFigure).toContain(`${xml.length} bytes, the message record says ${victim.size}`);
    expect(healthyFigures).toBe(message.media.length - 1);
    expect(withoutRecord).toContain('Message record unreadable: message record is not JSON');
    // Without its record the overwrite has only its own metadata-free bytes: not verified.
    expect(withoutRecord).toContain('1 not verified in this message');
  });
});
