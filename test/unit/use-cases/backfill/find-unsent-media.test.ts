import { describe, expect, it } from 'vitest';
import type { CatalogMessage } from '../../../../lib/ports/pipeline.ts';
import {
  type FindOptions,
  type FoundPage,
  findArchivableMedia,
  isPastWindow,
  UNSENT_SCAN,
} from '../../../../lib/use-cases/backfill/find-archivable-media.ts';
import { ACCOUNT, FakeCatalog, mediaFor, message } from './fakes.ts';

const collect = async (iterable: AsyncIterable<FoundPage>) => {
  const pages: FoundPage[] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
};

const WINDOW: FindOptions = {
  accountSid: ACCOUNT,
  since: '2025-01-10',
  until: '2025-01-11',
  direction: 'all',
  source: 'backfill',
  pageSize: 2,
};
const MARK = Date.parse('2025-01-10T00:00:00Z');
const at = (iso: string) => new Date(iso).toISOString();

/** Failed and canceled outbound messages never sent, and sent ones around the window. */
const rows = {
  failedInWindow: message(1, {
    direction: 'outbound-api',
    status: 'failed',
    dateCreated: at('2025-01-11T08:00:00Z'),
  }),
  canceledInWindow: message(2, {
    direction: 'outbound-api',
    status: 'canceled',
    dateCreated: at('2025-01-10T01:00:00Z'),
  }),
  scheduledInWindow: message(3, {
    direction: 'outbound-api',
    status: 'scheduled',
    dateCreated: at('2025-01-10T02:00:00Z'),
  }),
  failedAfterWindow: message(4, {
    direction: 'outbound-api',
    status: 'failed',
    dateCreated: at('2025-01-12T00:00:00Z'),
  }),
  failedBeforeWindow: message(5, {
    direction: 'outbound-api',
    status: 'failed',
    dateCreated: at('2025-01-09T23:59:59Z'),
  }),
  sentInWindow: message(6, {
    dateCreated: at('2025-01-10T12:00:00Z'),
    dateSent: at('2025-01-10T12:00:01Z'),
  }),
  sentBefore: message(7, {
    dateCreated: at('2025-01-08T12:00:00Z'),
    dateSent: at('2025-01-08T12:00:01Z'),
  }),
  sentLongBefore: message(8, {
    dateCreated: at('2025-01-05T12:00:00Z'),
    dateSent: at('2025-01-05T12:00:01Z'),
  }),
  sentLongerBefore: message(9, {
    dateCreated: at('2025-01-04T12:00:00Z'),
    dateSent: at('2025-01-04T12:00:01Z'),
  }),
  failedLongBefore: message(10, {
    direction: 'outbound-api',
    status: 'failed',
    dateCreated: at('2025-01-03T00:00:00Z'),
  }),
} satisfies Record<string, CatalogMessage>;

const newest = (key: (m: CatalogMessage) => number) => (a: CatalogMessage, b: CatalogMessage) =>
  key(b) - key(a);
const all = Object.values(rows);
/** Twilio's list sorted by date_created. */
const byCreated = [...all].sort(newest((m) => Date.parse(m.dateCreated)));
/** Sorted by date_sent, the never-sent ones first (as SQL's DESC places NULLs). */
const bySentNullsFirst = [
  ...all.filter((m) => m.dateSent === undefined).sort(newest((m) => Date.parse(m.dateCreated))),
  ...all
    .filter((m) => m.dateSent !== undefined)
    .sort(newest((m) => Date.parse(m.dateSent as string))),
];

const unsentOnly = (list: CatalogMessage[]) =>
  new FakeCatalog({ [UNSENT_SCAN]: list }, mediaFor(all));
const foundSids = (pages: FoundPage[]) =>
  pages.flatMap((page) => page.found.map((found) => found.message.sid)).sort();

describe('findArchivableMedia: messages without a date_sent', () => {
  it.each([
    ['date_created', byCreated],
    ['date_sent, never-sent first', bySentNullsFirst],
  ])('finds the same unsent media whichever order the list has (%s)', async (_order, list) => {
    // Prepare
    const catalog = unsentOnly(list);

    // Act
    const pages = (await collect(findArchivableMedia(catalog, WINDOW))).filter(
      (page) => page.day === UNSENT_SCAN,
    );

    // Assess: the failed and canceled ones in the window; scheduled ones are in flight
    expect(foundSids(pages)).toEqual([rows.failedInWindow.sid, rows.canceledInWindow.sid].sort());
    expect(pages.reduce((sum, page) => sum + page.skippedInFlight, 0)).toBe(1);
    expect(pages.at(-1)?.nextPageUri).toBeNull();
    expect(catalog.mediaCalls).not.toContain(rows.sentInWindow.sid);
  });

  it('stops on the first page wholly older than the window, before the list ends', async () => {
    // Prepare
    const catalog = unsentOnly(byCreated);

    // Act
    await collect(findArchivableMedia(catalog, WINDOW));

    // Assess: pages of 2 — [after, failed 01-11], [sent 01-10, scheduled], [canceled, failed 01-09],
    // [sent 01-08, sent 01-05]: all older by both dates → stop; the last page is never read.
    expect(catalog.messageCalls.filter((call) => call.includes('unsent'))).toEqual([
      UNSENT_SCAN,
      'next:unsent:2:2',
      'next:unsent:4:2',
      'next:unsent:6:2',
    ]);
  });

  it('walks on past a page of old never-sent rows: their order among themselves is unknown', () => {
    // Prepare
    const oldUnsent = [rows.failedBeforeWindow, rows.failedLongBefore];

    // Act + Assess
    expect(isPastWindow(oldUnsent, MARK)).toBe(false);
    expect(isPastWindow([...oldUnsent, rows.sentBefore], MARK)).toBe(true);
  });

  it('walks on past a row created before the window but sent inside it', () => {
    // Prepare
    const lateSent = message(11, {
      dateCreated: at('2025-01-09T23:00:00Z'),
      dateSent: at('2025-01-10T00:00:00Z'),
    });

    // Act + Assess
    expect(isPastWindow([lateSent, rows.sentBefore], MARK)).toBe(false);
    expect(isPastWindow([rows.sentBefore], MARK)).toBe(true);
    expect(isPastWindow([], MARK)).toBe(false);
  });

  it('leaves unsent inbound-direction filtering and reconcile grace to the same rules as the day walk', async () => {
    // Prepare
    const catalog = unsentOnly(byCreated);

    // Act
    const inbound = await collect(
      findArchivableMedia(catalog, { ...WINDOW, direction: 'inbound' }),
    );
    const graced = await collect(
      findArchivableMedia(unsentOnly(byCreated), {
        ...WINDOW,
        createdBefore: new Date('2025-01-11T00:00:00Z'),
      }),
    );

    // Assess
    expect(foundSids(inbound)).toEqual([]);
    expect(foundSids(graced)).toEqual([rows.canceledInWindow.sid]);
    expect(graced.reduce((sum, page) => sum + page.skippedRecent, 0)).toBe(1);
  });

  it('resumes inside the unsent walk, and does nothing more once it was done', async () => {
    // Prepare
    const midWalk = unsentOnly(byCreated);
    const done = unsentOnly(byCreated);

    // Act
    await collect(
      findArchivableMedia(midWalk, {
        ...WINDOW,
        resumeFrom: { day: UNSENT_SCAN, nextPageUri: 'next:unsent:2:2' },
      }),
    );
    const after = await collect(
      findArchivableMedia(done, { ...WINDOW, resumeFrom: { day: UNSENT_SCAN, nextPageUri: null } }),
    );

    // Assess
    expect(midWalk.messageCalls[0]).toBe('next:unsent:2:2');
    expect(midWalk.messageCalls).not.toContain('2025-01-10');
    expect(after).toEqual([]);
    expect(done.messageCalls).toEqual([]);
  });

  it('refuses an unfiltered next_page_uri that comes round again', async () => {
    // Prepare
    const catalog = unsentOnly(byCreated);
    const listDay = catalog.listMessages.bind(catalog);
    catalog.listMessages = async (query) =>
      'pageUri' in query || query.day === undefined
        ? { messages: [rows.failedInWindow], nextPageUri: 'next:unsent:0:2' }
        : listDay(query);

    // Act
    const walk = collect(findArchivableMedia(catalog, WINDOW));

    // Assess
    await expect(walk).rejects.toThrow(/the unfiltered Messages list already read/);
  });
});
