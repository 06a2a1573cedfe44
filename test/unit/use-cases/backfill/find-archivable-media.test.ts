import { describe, expect, it } from 'vitest';
import { RepeatedPageError } from '../../../../lib/domain/errors.ts';
import type { MessageCatalog, MessagePage } from '../../../../lib/ports/pipeline.ts';
import { backfill } from '../../../../lib/use-cases/backfill/backfill.ts';
import {
  type FoundPage,
  findArchivableMedia,
} from '../../../../lib/use-cases/backfill/find-archivable-media.ts';
import { ACCOUNT, FakeCatalog, mediaFor, message, sid } from './fakes.ts';

const collect = async (iterable: AsyncIterable<FoundPage>) => {
  const pages: FoundPage[] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
};

const base = { accountSid: ACCOUNT, direction: 'inbound' as const, source: 'backfill' as const };

describe('findArchivableMedia', () => {
  it('walks days oldest first, page by page, and builds webhook-shaped jobs', async () => {
    // Prepare
    const day1 = [message(1), message(2), message(3)];
    const day2 = [message(4, { dateCreated: '2025-01-11T01:02:03.000Z' })];
    const catalog = new FakeCatalog(
      { '2025-01-10': day1, '2025-01-11': day2 },
      mediaFor([...day1, ...day2], 2),
    );

    // Act
    const pages = await collect(
      findArchivableMedia(catalog, {
        ...base,
        since: '2025-01-10',
        until: '2025-01-11',
        pageSize: 2,
      }),
    );

    // Assess
    expect(pages.map((p) => [p.day, p.messages, p.nextPageUri])).toEqual([
      ['2025-01-10', 2, 'next:2025-01-10:2:2'],
      ['2025-01-10', 1, null],
      ['2025-01-11', 1, null],
      // Then every message newest first, for those without a date_sent (none here).
      ['unsent', 0, null],
    ]);
    const job = pages[2]?.found[0]?.jobs[1];
    expect(job).toEqual({
      version: 1,
      accountSid: ACCOUNT,
      messageSid: sid('MM', 4),
      mediaSid: sid('ME', 401),
      contentType: 'image/jpeg',
      receivedAt: '2025-01-11T01:02:03.000Z',
      index: 1,
      source: 'backfill',
    });
  });

  it('skips outbound unless asked, never lists media of in-flight outbound messages, nor of messages without media', async () => {
    // Prepare
    const messages = [
      message(1),
      message(2, { numMedia: 0 }),
      message(3, { direction: 'outbound-api', status: 'delivered' }),
      message(4, { direction: 'outbound-api', status: 'sending', numMedia: 3 }),
      message(5, { direction: 'outbound-api', status: 'queued', numMedia: 2 }),
    ];
    const inbound = new FakeCatalog({ '2025-01-10': messages }, mediaFor(messages));
    const all = new FakeCatalog({ '2025-01-10': messages }, mediaFor(messages));
    const range = { since: '2025-01-10', until: '2025-01-10' };

    // Act
    const [inboundPage] = await collect(findArchivableMedia(inbound, { ...base, ...range }));
    const [allPage] = await collect(
      findArchivableMedia(all, { ...base, ...range, direction: 'all' }),
    );

    // Assess
    expect(inboundPage?.messages).toBe(2);
    expect(inboundPage?.found.map((f) => f.message.sid)).toEqual([sid('MM', 1)]);
    expect(inbound.mediaCalls).toEqual([sid('MM', 1)]);
    expect(allPage?.messages).toBe(5);
    expect(allPage?.found.map((f) => f.message.sid)).toEqual([sid('MM', 1), sid('MM', 3)]);
    expect(allPage?.skippedInFlight).toBe(5);
    expect(all.mediaCalls).toEqual([sid('MM', 1), sid('MM', 3)]);
  });

  it('leaves messages younger than createdBefore to the webhook', async () => {
    // Prepare
    const messages = [
      message(1, { dateCreated: '2025-01-10T11:00:00.000Z' }),
      message(2, { dateCreated: '2025-01-10T11:59:00.000Z', numMedia: 2 }),
    ];
    const catalog = new FakeCatalog({ '2025-01-10': messages }, mediaFor(messages));

    // Act
    const [page] = await collect(
      findArchivableMedia(catalog, {
        ...base,
        since: '2025-01-10',
        until: '2025-01-10',
        createdBefore: new Date('2025-01-10T11:45:00.000Z'),
      }),
    );

    // Assess
    expect(page?.found.map((f) => f.message.sid)).toEqual([sid('MM', 1)]);
    expect(page?.skippedRecent).toBe(2);
  });

  it('resumes at the saved page, or at the next day when the saved day was done', async () => {
    // Prepare
    const day1 = [message(1), message(2), message(3)];
    const day2 = [message(4)];
    const days = { '2025-01-10': day1, '2025-01-11': day2 };
    const midDay = new FakeCatalog(days, mediaFor([...day1, ...day2]));
    const dayDone = new FakeCatalog(days, mediaFor([...day1, ...day2]));
    const range = { since: '2025-01-10', until: '2025-01-11', pageSize: 2 };

    // Act
    await collect(
      findArchivableMedia(midDay, {
        ...base,
        ...range,
        resumeFrom: { day: '2025-01-10', nextPageUri: 'next:2025-01-10:2:2' },
      }),
    );
    await collect(
      findArchivableMedia(dayDone, {
        ...base,
        ...range,
        resumeFrom: { day: '2025-01-10', nextPageUri: null },
      }),
    );

    // Assess
    expect(midDay.messageCalls).toEqual(['next:2025-01-10:2:2', '2025-01-11', 'unsent']);
    expect(dayDone.messageCalls).toEqual(['2025-01-11', 'unsent']);
  });

  describe('a next_page_uri that comes round again', () => {
    /** Serves `chain[i]` as the next page of page i; the first page is the day query. */
    const cyclingCatalog = (chain: string[]) => {
      const calls: string[] = [];
      const catalog: MessageCatalog = {
        listMessages: async (query): Promise<MessagePage> => {
          const at = 'pageUri' in query ? chain.indexOf(query.pageUri) + 1 : 0;
          calls.push('pageUri' in query ? query.pageUri : (query.day ?? 'unsent'));
          if (calls.length > 20) throw new Error('looping');
          return {
            messages: [message(at + 1, { numMedia: 0 })],
            nextPageUri: chain[at] ?? null,
          };
        },
        listMedia: async () => [],
      };
      return { catalog, calls };
    };
    const range = { ...base, since: '2025-01-10', until: '2025-01-10' };

    it.each([
      ['names itself', ['next:A', 'next:A']],
      ['cycles back to an earlier page', ['next:A', 'next:B', 'next:A']],
    ])('stops the walk with a RepeatedPageError when it %s', async (_what, chain) => {
      // Prepare
      const { catalog, calls } = cyclingCatalog(chain);

      // Act
      const walk = collect(findArchivableMedia(catalog, range));

      // Assess
      await expect(walk).rejects.toBeInstanceOf(RepeatedPageError);
      await expect(walk).rejects.toThrow('2025-01-10');
      expect(calls).toEqual(['2025-01-10', ...new Set(chain)]);
    });

    it('makes backfill fail with the error instead of looping', async () => {
      // Prepare
      const { catalog } = cyclingCatalog(['next:A', 'next:A']);
      const sink = {
        stats: { submitted: 0, failed: 0 },
        submit: async () => undefined,
        flush: async () => undefined,
      };

      // Act
      const run = backfill(
        { catalog, presence: { archivedMediaOf: async () => new Set<string>() }, sink },
        range,
      );

      // Assess
      await expect(run).rejects.toBeInstanceOf(RepeatedPageError);
    });
  });
});

describe('jobs for the message record', () => {
  const service = `MG${'c'.repeat(32)}`;
  const run = (
    catalog: FakeCatalog,
    direction: 'inbound' | 'all',
    source: 'backfill' | 'reconcile' = 'backfill',
  ) =>
    collect(
      findArchivableMedia(catalog, {
        ...base,
        direction,
        source,
        since: '2025-01-10',
        until: '2025-01-10',
      }),
    );

  it('carry the message from the Messages and Media lists already read, with no further request', async () => {
    // Prepare
    const listed = message(1, {
      numMedia: 2,
      numSegments: 3,
      messagingServiceSid: service,
      body: 'hello',
      from: '+15550001111',
      to: '+15550002222',
    });
    const catalog = new FakeCatalog(
      { '2025-01-10': [listed] },
      {
        [listed.sid]: [
          { sid: sid('ME', 101), contentType: 'image/png' },
          { sid: sid('ME', 100), contentType: 'image/jpeg' },
        ],
      },
    );

    // Act
    const pages = await run(catalog, 'inbound', 'reconcile');

    // Assess
    const jobs = pages[0]?.found[0]?.jobs ?? [];
    expect(catalog.messageCalls).toEqual(['2025-01-10', 'unsent']);
    expect(catalog.mediaCalls).toEqual([listed.sid]);
    expect(jobs.map((job) => [job.mediaSid, job.index, job.source, job.from, job.to])).toEqual([
      [sid('ME', 101), 0, 'reconcile', '+15550001111', '+15550002222'],
      [sid('ME', 100), 1, 'reconcile', '+15550001111', '+15550002222'],
    ]);
    for (const job of jobs) {
      expect(job.message).toEqual({
        media: [
          { sid: sid('ME', 101), contentType: 'image/png' },
          { sid: sid('ME', 100), contentType: 'image/jpeg' },
        ],
        direction: 'inbound',
        numSegments: 3,
        messagingServiceSid: service,
        body: 'hello',
      });
    }
  });

  it('name the real direction of an outbound message archived with --direction all', async () => {
    // Prepare
    const sent = message(2, { direction: 'outbound-api', status: 'delivered' });
    const catalog = new FakeCatalog({ '2025-01-10': [sent] }, mediaFor([sent]));

    // Act
    const pages = await run(catalog, 'all');

    // Assess
    const job = pages[0]?.found[0]?.jobs[0];
    expect(job?.message?.direction).toBe('outbound-api');
    expect(job).not.toHaveProperty('from');
    expect(job?.message).not.toHaveProperty('body');
  });

  it('carry no message when the Media list holds fewer media than the message had', async () => {
    // Prepare: one of three media already archived and deleted at Twilio.
    const listed = message(3, { numMedia: 3 });
    const catalog = new FakeCatalog({ '2025-01-10': [listed] }, mediaFor([listed], 2));

    // Act
    const pages = await run(catalog, 'inbound');

    // Assess
    const jobs = pages[0]?.found[0]?.jobs ?? [];
    expect(jobs).toHaveLength(2);
    for (const job of jobs) expect(job).not.toHaveProperty('message');
  });
});
