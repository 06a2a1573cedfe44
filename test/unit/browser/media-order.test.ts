import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createArchiveBrowser } from '../../../lib/browser/archive-browser.ts';
import type { MessageRecord } from '../../../lib/domain/message-record.ts';
import {
  BROWSER_AC,
  browserMediaSid,
  browserMessageSid,
  type FakeMedia,
  fakeEntry,
  fakeReader,
  request,
  s3ChecksumOf,
} from '../../helpers/archive-browser.ts';

const DAY = '2026-11-27';
const MM = browserMessageSid(7);
const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** MediaUrl0..2 of one message; their SIDs sort 3, 1, 2 — the listing's order is not the message's. */
const mediaAt = (index: number, sid: number): FakeMedia & { index: number } => ({
  index,
  messageSid: MM,
  mediaSid: browserMediaSid(sid),
  day: DAY,
  extension: '.png',
  body: Buffer.from(`media ${index}`),
});
const inMessage = [mediaAt(0, 3), mediaAt(1, 1), mediaAt(2, 2)];

const recordOf = (media: typeof inMessage): MessageRecord => ({
  schema: 'twilio-media-archiver/message-record',
  version: 1,
  accountSid: BROWSER_AC,
  messageSid: MM,
  direction: 'inbound',
  receivedAt: `${DAY}T10:00:00.000Z`,
  numMedia: media.length,
  media: media.map((item) => ({
    index: item.index,
    mediaSid: item.mediaSid,
    key: fakeEntry(item).key,
    contentType: 'image/png',
    size: item.body?.length ?? 0,
    sha256: sha256Hex(item.body ?? Buffer.alloc(0)),
    sha256Source: 's3',
  })),
});

const browserWith = (record: MessageRecord | undefined) => {
  const recordBytes = Buffer.from('{"record": true}');
  const reader = fakeReader(inMessage, {
    records: record
      ? { [MM]: { state: 'found', bytes: recordBytes, record, s3: s3ChecksumOf(recordBytes) } }
      : {},
  });
  return createArchiveBrowser({ reader, prefix: 'media/', now: () => new Date(`${DAY}T15:00Z`) });
};

/** The media SIDs in the order the page shows them (each appears as an element id). */
const shownOrder = (body: string, marker: RegExp): string[] =>
  [...body.matchAll(marker)].map((match) => match[1] as string);

describe("the browser shows a message's media in the message's order", () => {
  it('orders the message page by the record (MediaUrl0..N), not by media SID', async () => {
    // Prepare
    const browser = browserWith(recordOf(inMessage));

    // Act
    const page = await request(browser, `/archive/message/${MM}?day=${DAY}`);

    // Assess
    expect(page.status).toBe(200);
    expect(shownOrder(page.body, /<figure class="media[^"]*" id="(ME\w+)"/g)).toEqual(
      inMessage.map((item) => item.mediaSid),
    );
    expect(page.body).toContain(`alt="Media 1 of 3 (${browserMediaSid(3)})"`);
  });

  it("orders the day page's tiles of the message the same way", async () => {
    // Prepare
    const browser = browserWith(recordOf(inMessage));

    // Act
    const page = await request(browser, `/archive/day/${DAY}`);

    // Assess
    expect(page.status).toBe(200);
    const tiles = page.body.split('<li class="tile').slice(1);
    expect(tiles.map((tile) => /ME\d{32}/.exec(tile)?.[0])).toEqual(
      inMessage.map((item) => item.mediaSid),
    );
  });

  it('keeps the listing order without a record, and puts media the record omits last', async () => {
    // Prepare
    const withoutRecord = browserWith(undefined);
    const partial = browserWith(recordOf([inMessage[2] as (typeof inMessage)[number]]));

    // Act
    const plain = await request(withoutRecord, `/archive/message/${MM}?day=${DAY}`);
    const some = await request(partial, `/archive/message/${MM}?day=${DAY}`);

    // Assess
    const figures = /<figure class="media[^"]*" id="(ME\w+)"/g;
    expect(shownOrder(plain.body, figures)).toEqual([1, 2, 3].map(browserMediaSid));
    expect(shownOrder(some.body, figures)).toEqual([2, 1, 3].map(browserMediaSid));
  });
});
