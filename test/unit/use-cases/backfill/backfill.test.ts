import { describe, expect, it } from 'vitest';
import {
  type MediaJob,
  parseMediaJob,
  serializeMediaJob,
} from '../../../../lib/domain/media-job.ts';
import type { ArchivePresence } from '../../../../lib/use-cases/backfill/archive-presence.ts';
import { backfill, emptyCounts } from '../../../../lib/use-cases/backfill/backfill.ts';
import {
  CheckpointError,
  createMemoryCheckpointStore,
} from '../../../../lib/use-cases/backfill/checkpoint.ts';
import { createQueueSink } from '../../../../lib/use-cases/backfill/job-sinks.ts';
import { FakeJobQueue } from '../../../helpers/fake-job-queue.ts';
import { ACCOUNT, FakeCatalog, mediaFor, message, sid } from './fakes.ts';

const RUN = {
  accountSid: ACCOUNT,
  since: '2025-01-10',
  until: '2025-01-11',
  direction: 'inbound' as const,
  source: 'backfill' as const,
  pageSize: 5,
};

/** The same set of archived media SIDs for every message. */
const presenceOf = (archived: Set<string>): ArchivePresence => ({
  archivedMediaOf: async () => archived,
});

const corpus = () => {
  const day1 = Array.from({ length: 12 }, (_, n) => message(n + 1));
  const day2 = Array.from({ length: 3 }, (_, n) =>
    message(n + 20, { dateCreated: '2025-01-11T09:00:00.000Z' }),
  );
  return new FakeCatalog(
    { '2025-01-10': day1, '2025-01-11': day2 },
    mediaFor([...day1, ...day2], 2),
  );
};

describe('backfill', () => {
  it('enqueues only media the archive lacks, in batches of at most 10, checkpointing each page', async () => {
    // Prepare
    const queue = new FakeJobQueue();
    const checkpoints = createMemoryCheckpointStore();
    const saved: (string | null)[] = [];
    const save = checkpoints.save;
    checkpoints.save = async (checkpoint) => {
      saved.push(checkpoint.nextPageUri);
      await save(checkpoint);
    };
    const archived = new Set([sid('ME', 100), sid('ME', 201)]);

    // Act
    const result = await backfill(
      {
        catalog: corpus(),
        presence: presenceOf(archived),
        sink: createQueueSink(queue),
        checkpoints,
      },
      RUN,
    );

    // Assess
    expect(result.complete).toBe(true);
    expect(result.counts).toEqual({
      ...emptyCounts(),
      // Four pages of DateSent days, then one of the unfiltered list (no unsent message here).
      pages: 4 + 1,
      messages: 15,
      mediaFound: 30,
      enqueued: 28,
      alreadyArchived: 2,
    });
    expect(queue.jobs.map((job) => job.mediaSid)).not.toContain(sid('ME', 100));
    expect(queue.jobs).toHaveLength(28);
    expect(queue.calls.every((batch) => batch.length <= 10)).toBe(true);
    expect(saved).toEqual(['next:2025-01-10:5:5', 'next:2025-01-10:10:5', null, null, null]);
    expect(checkpoints.current).toBeUndefined();
  });

  it('stops after the page in hand when aborted, and a resumed run completes the same set', async () => {
    // Prepare
    const queue = new FakeJobQueue();
    const checkpoints = createMemoryCheckpointStore();
    const controller = new AbortController();
    const deps = { presence: presenceOf(new Set()), sink: createQueueSink(queue), checkpoints };

    // Act
    const first = await backfill(
      { ...deps, catalog: corpus() },
      {
        ...RUN,
        signal: controller.signal,
        onProgress: (counts) => {
          if (counts.pages === 2) controller.abort();
        },
      },
    );
    const afterFirst = queue.jobs.length;
    const second = await backfill(
      { ...deps, catalog: corpus(), sink: createQueueSink(queue) },
      { ...RUN, resume: true },
    );

    // Assess
    expect(first.complete).toBe(false);
    expect(afterFirst).toBe(20);
    expect(second.complete).toBe(true);
    expect(second.resumedFrom).toEqual({ day: '2025-01-10', nextPageUri: 'next:2025-01-10:10:5' });
    expect(second.counts.enqueued).toBe(30);
    expect(second.counts.pages).toBe(4 + 1);
    expect(new Set(queue.jobs.map((job) => job.mediaSid)).size).toBe(30);
    expect(queue.jobs).toHaveLength(30);
  });

  it('refuses a checkpoint of another run', async () => {
    // Prepare
    const checkpoints = createMemoryCheckpointStore();
    await checkpoints.save({
      version: 1,
      ...RUN,
      since: '2024-12-01',
      day: '2024-12-02',
      nextPageUri: null,
      counts: emptyCounts(),
      updatedAt: '2025-01-01T00:00:00.000Z',
    });

    // Act
    const run = backfill(
      {
        catalog: corpus(),
        presence: presenceOf(new Set()),
        sink: createQueueSink(new FakeJobQueue()),
        checkpoints,
      },
      { ...RUN, resume: true },
    );

    // Assess
    await expect(run).rejects.toThrow(CheckpointError);
  });

  it('sums sizes when a sizer is given, counting media of unknown size apart', async () => {
    // Prepare
    const queue = new FakeJobQueue();
    let n = 0;
    const sizeOf = async () => {
      n += 1;
      return n % 3 === 0 ? undefined : 100;
    };

    // Act
    const result = await backfill(
      { catalog: corpus(), presence: presenceOf(new Set()), sink: createQueueSink(queue), sizeOf },
      RUN,
    );

    // Assess
    expect(result.counts.unknownSizes).toBe(10);
    expect(result.counts.bytes).toBe(2000);
  });
});

describe('backfill jobs and the message record', () => {
  const twoMedia = () => {
    const listed = message(1, { numMedia: 2, numSegments: 1 });
    return { listed, catalog: new FakeCatalog({ '2025-01-10': [listed] }, mediaFor([listed], 2)) };
  };

  it('queue the whole message with the media the archive lacks, and it survives the queue', async () => {
    // Prepare: the first media archived already, the second still at Twilio only.
    const { catalog } = twoMedia();
    const queue = new FakeJobQueue();

    // Act
    await backfill(
      { catalog, presence: presenceOf(new Set([sid('ME', 100)])), sink: createQueueSink(queue) },
      RUN,
    );

    // Assess
    expect(queue.jobs).toHaveLength(1);
    const [job] = queue.jobs;
    expect(job?.mediaSid).toBe(sid('ME', 101));
    expect(job?.message).toEqual({
      media: [
        { sid: sid('ME', 100), contentType: 'image/jpeg' },
        { sid: sid('ME', 101), contentType: 'image/jpeg' },
      ],
      direction: 'inbound',
      numSegments: 1,
    });
    expect(parseMediaJob(serializeMediaJob(job as MediaJob))).toEqual(job);
  });

  it('queue no message when the archive holds a media the Media list no longer names', async () => {
    // Prepare: Twilio lists two media, num_media says two, but a third is archived already.
    const { catalog } = twoMedia();
    const queue = new FakeJobQueue();

    // Act
    await backfill(
      { catalog, presence: presenceOf(new Set([sid('ME', 999)])), sink: createQueueSink(queue) },
      RUN,
    );

    // Assess
    expect(queue.jobs.map((job) => job.mediaSid)).toEqual([sid('ME', 100), sid('ME', 101)]);
    for (const job of queue.jobs) expect(job).not.toHaveProperty('message');
  });
});
