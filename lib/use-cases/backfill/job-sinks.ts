import type { MediaJob } from '../../domain/media-job.ts';
import { type JobQueue, SQS_BATCH_LIMIT } from '../../ports/pipeline.ts';

/** Where found jobs go: the media queue, the archiver in-process, or nowhere (dry run). */
export interface JobSink {
  submit(job: MediaJob): Promise<void>;
  /** Resolves once every submitted job is handed over (enqueued or archived). */
  flush(): Promise<void>;
  readonly stats: { submitted: number; failed: number };
}

/** SQS takes 10 entries per SendMessageBatch: jobs are sent in full batches, the rest on flush. */
export const SQS_BATCH = SQS_BATCH_LIMIT;

export const createQueueSink = (queue: JobQueue): JobSink => {
  let buffer: MediaJob[] = [];
  const stats = { submitted: 0, failed: 0 };
  const send = async (jobs: MediaJob[]) => {
    await queue.enqueue(jobs);
    stats.submitted += jobs.length;
  };
  return {
    stats,
    async submit(job) {
      buffer.push(job);
      if (buffer.length >= SQS_BATCH) {
        const batch = buffer;
        buffer = [];
        await send(batch);
      }
    },
    async flush() {
      if (buffer.length === 0) return;
      const batch = buffer;
      buffer = [];
      await send(batch);
    },
  };
};

export interface DirectSinkOptions {
  archive: (job: MediaJob) => Promise<unknown>;
  concurrency: number;
  onFailure?: (job: MediaJob, error: unknown) => void;
}

/**
 * Archives in-process with at most `concurrency` jobs at once; `submit` waits while that many
 * are running, so a long walk never piles up work in memory. A failed job is counted and
 * reported, not thrown: a later run (or reconcile) finds it still missing.
 */
export const createDirectSink = ({
  archive,
  concurrency,
  onFailure,
}: DirectSinkOptions): JobSink => {
  const running = new Set<Promise<void>>();
  const stats = { submitted: 0, failed: 0 };
  return {
    stats,
    async submit(job) {
      while (running.size >= concurrency) await Promise.race(running);
      const task = archive(job).then(
        () => {
          stats.submitted += 1;
        },
        (error: unknown) => {
          stats.failed += 1;
          onFailure?.(job, error);
        },
      );
      const tracked = task.finally(() => running.delete(tracked));
      running.add(tracked);
    },
    async flush() {
      await Promise.all(running);
    },
  };
};

/** Dry run: counts what would be enqueued and tells the caller, changes nothing. */
export const createDryRunSink = (onJob?: (job: MediaJob) => void): JobSink => {
  const stats = { submitted: 0, failed: 0 };
  return {
    stats,
    async submit(job) {
      stats.submitted += 1;
      onJob?.(job);
    },
    async flush() {},
  };
};
