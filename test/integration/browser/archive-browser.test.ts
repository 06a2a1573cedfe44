import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveBrowserRoutes } from '../../../lib/browser/local-route.ts';
import { createArchiveReader } from '../../../lib/cli/archive-reader.ts';
import { runServe } from '../../../lib/cli/commands/serve.ts';
import { makeGif, makePdf, makePng } from '../../../lib/local/demo-media.ts';
import type { LocalStack } from '../../../lib/local/local-stack.ts';
import type { SeededMessage } from '../../../lib/local/twilio-emulator.ts';
import { incomingMessageFields, postSignedWebhook } from '../../../lib/local/webhook-client.ts';
import { waitFor } from '../../helpers/local-sqs.ts';
import { readArchive, startTestStack } from '../../helpers/local-stack.ts';

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
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let message: SeededMessage;
  let day: string;
  let archivedKeys: string[];

  beforeAll(async () => {
    // Prepare: the local stack with the browser mounted, and one archived demo MMS
    stack = await startTestStack({ rawRoutes: archiveBrowserRoutes });
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    message = emulator.addMessage({
      direction: 'inbound',
      from: SENDER,
      to: '+14155550100',
      body: 'Delivery photos',
      media: [
        { contentType: 'image/png', body: makePng(320, 240, [220, 40, 60]), filename: 'porch.png' },
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
    const archived = await waitFor(
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
    await stack?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  it('navigates by clicking from the calendar to the day and the message, and every image loads', async () => {
    // Act: the calendar opens on the current month; the message's day may be in the previous one
    await page.goto(`${stack.httpBaseUrl}/archive/`);
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

    // Assess: 3 inline images (PNG, PNG, GIF) on both pages, all decoded; no SVG inline
    expect(dayImages).toHaveLength(3);
    expect(messageImages).toHaveLength(3);
    for (const image of [...dayImages, ...messageImages]) {
      expect(image.width, image.src).toBeGreaterThan(0);
      expect(image.src).not.toMatch(/\.svg$/);
    }
    expect(await page.getByRole('link', { name: /Open PDF/ }).count()).toBe(1);
    for (const media of message.media) expect(text).toContain(media.sid);
    expect(text).toContain('porch.png');
    // Addresses were not archived (ARCHIVE_ADDRESSES unset): none on the page
    expect(text).not.toContain(SENDER);
    expect(await page.locator('img:not([alt]), img[alt=""]').count()).toBe(0);
  });

  it('answers a second load of a media with 304, in the browser and to a conditional fetch', async () => {
    // Prepare
    const pngKey = archivedKeys.find((key) => key.endsWith('.png')) as string;
    const url = `${stack.httpBaseUrl}/archive/media/${pngKey.slice('media/'.length)}`;
    const statuses: number[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/archive/media/')) statuses.push(response.status());
    });

    // Act
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    const reloaded = await imageWidths(page);
    const first = await fetch(url);
    const body = Buffer.from(await first.arrayBuffer());
    const etag = first.headers.get('etag');
    const second = await fetch(url, { headers: { 'if-none-match': etag ?? '' } });

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

  it('serves an archived SVG only as an attachment and refuses anything but GET/HEAD', async () => {
    // Prepare
    const svgKey = archivedKeys.find((key) => key.endsWith('.svg')) as string;
    const url = `${stack.httpBaseUrl}/archive/media/${svgKey.slice('media/'.length)}`;

    // Act
    const svg = await fetch(url);
    const post = await fetch(url, { method: 'POST' });
    const traversal = await fetch(`${stack.httpBaseUrl}/archive/media/..%2F..%2Fetc%2Fpasswd`);
    const otherKey = await fetch(`${stack.httpBaseUrl}/archive/media/_index/${message.sid}`);
    const page = await fetch(`${stack.httpBaseUrl}/archive/`);

    // Assess
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('application/octet-stream');
    expect(svg.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(svg.headers.get('x-content-type-options')).toBe('nosniff');
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
        { command: 'serve', local: true, port: 0, host: '127.0.0.1' },
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
    const root = await fetch(new URL('/', url), { redirect: 'manual' });
    const calendar = await fetch(`${url}?month=${day.slice(0, 7)}`);
    const html = await calendar.text();
    const media = await fetch(`${url}media/${archivedKeys[0]?.slice('media/'.length)}`);
    await media.arrayBuffer();
    stop();
    await serving;

    // Assess
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/archive\/$/);
    expect(String(stdout.read())).toContain(`archive browser (read-only): ${url}`);
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/archive/');
    expect(calendar.status).toBe(200);
    expect(html).toContain(`href="/archive/day/${day}"`);
    expect(media.status).toBe(200);
  });
});
