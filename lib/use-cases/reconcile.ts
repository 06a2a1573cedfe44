import type { ArchiveDirection } from '../domain/media-job.ts';
import { addDays } from '../domain/utc-day.ts';
import type { JobQueue, MessageCatalog, ReconcileStatusSink } from '../ports/pipeline.ts';
import type { ArchivePresence } from './backfill/archive-presence.ts';
import { type BackfillResult, backfill } from './backfill/backfill.ts';
import { createQueueSink } from './backfill/job-sinks.ts';

export interface ReconcileDeps {
  catalog: MessageCatalog;
  presence: ArchivePresence;
  queue: JobQueue;
  /** Absent for dry runs: a count that enqueued nothing is not a reconcile run. */
  status?: ReconcileStatusSink;
}

export interface ReconcileOptions {
  accountSid: string;
  lookbackDays: number;
  minAgeMinutes: number;
  direction: ArchiveDirection;
  now?: Date;
  pageSize?: number;
  /** Stops between pages (the Lambda's deadline). */
  signal?: AbortSignal;
  onProgress?: Parameters<typeof backfill>[1]['onProgress'];
}

/** Today and the `lookbackDays` UTC days before it: a superset of the last N × 24 hours. */
export const reconcileWindow = (now: Date, lookbackDays: number) => {
  const until = now.toISOString().slice(0, 10);
  return { since: addDays(until, -lookbackDays), until };
};

/**
 * Backfill over a recent window, for the media a lost webhook left behind: jobs go to the queue
 * with `source: 'reconcile'`, and messages younger than `minAgeMinutes` are skipped since their
 * webhook's jobs may still be on their way.
 */
export const reconcile = async (
  deps: ReconcileDeps,
  options: ReconcileOptions,
): Promise<BackfillResult> => {
  const now = options.now ?? new Date();
  const window = reconcileWindow(now, options.lookbackDays);
  const result = await backfill(
    { catalog: deps.catalog, presence: deps.presence, sink: createQueueSink(deps.queue) },
    {
      accountSid: options.accountSid,
      ...window,
      direction: options.direction,
      source: 'reconcile',
      createdBefore: new Date(now.getTime() - options.minAgeMinutes * 60_000),
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    },
  );
  // A failed write fails the run (the Lambda's errors alarm): a safety net nobody can see
  // running is one nobody notices stopping.
  await deps.status?.record({
    finishedAt: new Date().toISOString(),
    complete: result.complete,
    ...window,
    direction: options.direction,
    counts: { ...result.counts },
  });
  return result;
};
