import { describe, expect, it } from 'vitest';
import { createSqsJobQueue } from '../../lib/adapters/sqs-job-queue.ts';
import type { MediaJob } from '../../lib/domain/media-job.ts';
import { FairQueueSimulator } from '../helpers/fair-queue-simulator.ts';

const NOISY = `AC${'1'.repeat(32)}`;
const QUIET = `AC${'2'.repeat(32)}`;
const BATCH = 10;

const job = (accountSid: string, n: number): MediaJob => ({
  version: 1,
  accountSid,
  messageSid: `MM${String(Math.floor(n / 10)).padStart(32, '0')}`,
  mediaSid: `ME${String(n).padStart(32, '0')}`,
  contentType: 'image/jpeg',
  receivedAt: '2026-12-01T00:00:00.000Z',
  index: n % 10,
  source: 'webhook',
});

/** Receives batches until the quiet tenant's media comes out; returns how many batches it took. */
const batchesUntilQuiet = (queue: FairQueueSimulator): number => {
  for (let batches = 1; queue.size > 0; batches += 1) {
    if (queue.receive(BATCH).some((body) => body.includes(QUIET))) return batches;
  }
  throw new Error('the quiet media never came out');
};

describe('fair queues (MessageGroupId = AccountSid)', () => {
  it("delivers a quiet tenant's single media within one batch of a noisy tenant's 10,000", async () => {
    // Prepare
    const simulator = new FairQueueSimulator();
    const queue = createSqsJobQueue({ client: simulator.client(), queueUrl: 'fair' });
    for (let n = 0; n < 10_000; n += 10) {
      await queue.enqueue(Array.from({ length: 10 }, (_, i) => job(NOISY, n + i)));
    }
    simulator.receive(BATCH); // the archiver is already busy with the backlog

    // Act
    await queue.enqueue([job(QUIET, 0)]);
    const batches = batchesUntilQuiet(simulator);

    // Assess
    expect(batches).toBe(1);
    // The noisy backlog is still there: the quiet media overtook it, it was not drained first.
    expect(simulator.size).toBe(10_000 - BATCH - (BATCH - 1));
  });

  it('would wait behind the whole backlog if every job shared one group (what the adapter avoids)', async () => {
    // Prepare
    const simulator = new FairQueueSimulator();
    for (let n = 0; n < 10_000; n += 1) simulator.push('one-group', JSON.stringify(job(NOISY, n)));
    simulator.push('one-group', JSON.stringify(job(QUIET, 0)));

    // Act
    const batches = batchesUntilQuiet(simulator);

    // Assess
    expect(batches).toBe(10_000 / BATCH + 1);
  });
});
