import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createArchiveBrowser } from '../../../lib/browser/archive-browser.ts';
import type { MessageRecord } from '../../../lib/domain/message-record.ts';
import {
  BROWSER_AC,
  browserMediaSid,
  browserMessageSid,
  type FakeMedia,
  type FakeRecord,
  fakeEntry,
  fakeReader,
  request,
  s3ChecksumOf,
} from '../../helpers/archive-browser.ts';
import { readZip } from '../../helpers/zip.ts';

const DAY = '2026-11-26';
const MM1 = browserMessageSid(1);
const MM2 = browserMessageSid(2);
const ORIGINAL = Buffer.from('the photo as Twilio served it');
const REPLACED = Buffer.from('other bytes written over it..');
const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const healthy: FakeMedia = {
  messageSid: MM1,
  mediaSid: browserMediaSid(1),
  day: DAY,
  extension: '.png',
  body: ORIGINAL,
};
/** Replaced after archiving: S3's checksum and the metadata describe the new bytes. */
const replaced: FakeMedia = {
  messageSid: MM1,
  mediaSid: browserMediaSid(2),
  day: DAY,
  extension: '.png',
  body: REPLACED,
  details: { metadataSha256: sha256Hex(REPLACED) },
};
/** Another message, with no record and an object S3 holds no checksum for. */
const unchecked: FakeMedia = {
  messageSid: MM2,
  mediaSid: browserMediaSid(3),
  day: DAY,
  extension: '.pdf',
  body: ORIGINAL,
  details: { s3: {} },
};

const recordOf = (media: FakeMedia[]): MessageRecord => ({
  schema: 'twilio-media-archiver/message-record',
  version: 1,
  accountSid: BROWSER_AC,
  messageSid: MM1,
  direction: 'inbound',
  receivedAt: `${DAY}T11:59:58.000Z`,
  numMedia: media.length,
  // What S3 confirmed at archive time: the original bytes, for both media.
  media: media.map((item, index) => ({
    index,
    mediaSid: item.mediaSid,
    key: fakeEntry(item).key,
    contentType: 'image/png',
    size: ORIGINAL.length,
    sha256: sha256Hex(ORIGINAL),
    sha256Source: 's3',
  })),
});

const recordBytes = Buffer.from('{"record": true}');
const foundRecord = {
  state: 'found' as const,
  bytes: recordBytes,
  record: recordOf([healthy, replaced]),
  s3: s3ChecksumOf(recordBytes),
};

const browserOf = (records: Record<string, FakeRecord>) => {
  const reader = fakeReader([healthy, replaced, unchecked], { records });
  return createArchiveBrowser({
    reader,
    prefix: 'media/',
    now: () => new Date(`${DAY}T15:00:00Z`),
  });
};

describe('the browser marks what it cannot vouch for', () => {
  it('marks a replaced media damaged on its tile, and one S3 has no checksum for as not verified', async () => {
    // Prepare
    const browser = browserOf({ [MM1]: foundRecord });

    // Act
    const page = await request(browser, `/archive/day/${DAY}`);

    // Assess
    expect(page.status).toBe(200);
    expect(page.body).toContain('1 damaged, 1 not verified on this page');
    const tiles = page.body.split('<li class="tile').slice(1);
    expect(tiles).toHaveLength(3);
    expect(tiles[0]).not.toContain('badge');
    expect(tiles[1]).toMatch(/^ damaged"/);
    expect(tiles[1]).toContain('Damaged:</strong> its SHA-256 differs from the message record');
    expect(tiles[2]).toMatch(/^ unverified"/);
    expect(tiles[2]).toContain('S3 holds no SHA-256 of its bytes and no message record names it');
  });

  it('says so on the message page too, and what each media was verified against', async () => {
    // Prepare
    const browser = browserOf({ [MM1]: foundRecord });

    // Act
    const page = await request(browser, `/archive/message/${MM1}?day=${DAY}`);

    // Assess
    expect(page.body).toContain('1 damaged in this message');
    expect(page.body).toContain('verified against the message record');
    expect(page.body).toContain('Damaged:</strong> its SHA-256 differs from the message record');
    expect(page.body).toContain('Message record');
  });

  it('shows an unreadable record as unreadable instead of dropping its section', async () => {
    // Prepare
    const browser = browserOf({
      [MM1]: { state: 'unreadable', reason: 'message record is not JSON' },
    });

    // Act
    const message = await request(browser, `/archive/message/${MM1}?day=${DAY}`);
    const day = await request(browser, `/archive/day/${DAY}`);

    // Assess
    for (const page of [message, day]) {
      expect(page.body).toContain('Message record unreadable:</strong> message record is not JSON');
    }
    expect(message.body).toContain('<h2>Message record</h2>');
  });

  it('marks a 128-byte object that replaced a media as damaged by its size', async () => {
    // Prepare
    const shrunk: FakeMedia = { ...healthy, body: Buffer.alloc(128, 0x3c) };
    const reader = fakeReader([shrunk], {
      records: { [MM1]: { ...foundRecord, record: recordOf([shrunk]) } },
    });
    const browser = createArchiveBrowser({ reader, prefix: 'media/' });

    // Act
    const page = await request(browser, `/archive/message/${MM1}?day=${DAY}`);

    // Assess
    expect(page.body).toContain(`128 bytes, the message record says ${ORIGINAL.length}`);
  });

  it('breaks the zip download at a damaged media instead of shipping it', async () => {
    // Prepare
    const browser = browserOf({ [MM1]: foundRecord });
    const healthyOnly = createArchiveBrowser({
      reader: fakeReader([healthy], {
        records: { [MM1]: { ...foundRecord, record: recordOf([healthy]) } },
      }),
      prefix: 'media/',
    });

    // Act
    const broken = await request(browser, `/archive/zip/${MM1}.zip?day=${DAY}`);
    const whole = await request(healthyOnly, `/archive/zip/${MM1}.zip?day=${DAY}`);

    // Assess
    expect(() => readZip(broken.bytes)).toThrow();
    const entries = readZip(whole.bytes);
    expect([...entries.values()]).toEqual([ORIGINAL]);
  });

  it('withholds the end of a media whose bytes differ from the SHA-256 S3 stored', async () => {
    // Prepare
    const corrupt: FakeMedia = { ...healthy, details: { s3: s3ChecksumOf(REPLACED) } };
    const browser = createArchiveBrowser({ reader: fakeReader([corrupt]), prefix: 'media/' });
    const url = `/archive/media/${BROWSER_AC}/2026/11/26/${MM1}/${healthy.mediaSid}.png`;

    // Act
    const answer = await request(browser, url);

    // Assess
    expect(answer.bytes.length).toBeLessThan(ORIGINAL.length);
  });
});
