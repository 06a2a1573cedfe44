import { describe, expect, it } from 'vitest';
import type { MediaJob } from '../../../../lib/domain/media-job.ts';
import { createDirectSink, createQueueSink } from '../../../../lib/use-cases/backfill/job-sinks.ts';
import { FakeJobQueue } from '../../../helpers/fake-job-queue.ts';
import { ACCOUNT, sid } from './fakes.ts';

const job = (n: number): MediaJob => ({
  version: 1,
  accountSid: ACCOUNT,
  messageSid: sid('MM', n),
  mediaSid: sid('ME', n),
  contentType: 'image/jpeg',
  receivedAt: '2025-01-10T12:00:00.000Z',
  index: 0,
  source: 'backfill',
});

describe('createQueueSink', () => {
  it('sends full batches of 10 as they fill and the rest on flush', async () => {
    // Prepare
    const queue = new FakeJobQueue();
    const sink = createQueueSink(queue);

    // Act
    for (let n = 1; n <= 23; n += 1) await sink.submit(job(n));
    const beforeFlush = queue.calls.map((batch) => batch.length);
    await sink.flush();

    // Assess
    expect(beforeFlush).toEqual([10, 10]);
    expect(queue.calls.map((batch) => batch.length)).toEqual([10, 10, 3]);
    expect(sink.stats.submitted).toBe(23);
  });

  it('lets a queue failure reach the caller, so no checkpoint is written past it', async () => {
    // Prepare
    const queue = new FakeJobQueue();
    queue.failWith = new Error('SQS down');
    const sink = createQueueSink(queue);
    await sink.submit(job(1));

    // Act / Assess
    await expect(sink.flush()).rejects.toThrow('SQS down');
    expect(sink.stats.submitted).toBe(0);
  });
});

describe('createDirectSink', () => {
  it('archives with bounded concurrency and counts failures without throwing', async () => {
    // Prepare
    let running = 0;
    let peak = 0;
    const failed: string[] = [];
    const sink = createDirectSink({
      concurrency: 3,
      archive: async (item) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        if (item.mediaSid === sid('ME', 4)) throw new Error('Twilio 500');
      },
      onFailure: (item) => failed.push(item.mediaSid),
    });

    // Act
    for (let n = 1; n <= 10; n += 1) await sink.submit(job(n));
    await sink.flush();

    // Assess
    expect(peak).toBe(3);
    expect(sink.stats).toEqual({ submitted: 9, failed: 1 });
    expect(failed).toEqual([sid('ME', 4)]);
  });
});
