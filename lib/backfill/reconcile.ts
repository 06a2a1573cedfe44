import type { Logger } from '@aws-lambda-powertools/logger';
import type { ArchiveDirection } from '../config.ts';
import type { JobQueue, MessageCatalog } from '../ports.ts';
import type { ArchivePresence } from './archive-presence.ts';
import { type BackfillResult, backfill } from './backfill.ts';
import { addDay } from './find-archivable-media.ts';
import { createQueueSink } from './job-sinks.ts';

/** The outcome of one reconcile run, kept where `media-archive doctor` can read it. */
export interface ReconcileRunStatus {
  finishedAt: string;
  complete: boolean;
  since: string;
  until: string;
  direction: string;
  counts: Record<string, number | null>;
}

export interface ReconcileStatusSink {
  record(status: ReconcileRunStatus): Promise<void>;
}

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
  return { since: addDay(until, -lookbackDays), until };
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

/** TWILIO_SUBACCOUNTS: the subaccounts reconciled after the main account, each at its paths. */
export interface ReconcileAccounts {
  subaccounts(): Promise<string[]>;
  catalogFor(accountSid: string): MessageCatalog;
  presenceFor(accountSid: string): ArchivePresence;
}

export interface ReconcileHandlerDeps extends ReconcileDeps {
  settings: Omit<ReconcileOptions, 'now' | 'signal' | 'onProgress'>;
  accounts?: ReconcileAccounts;
  logger: Pick<Logger, 'info' | 'warn'>;
  now?: () => Date;
}

/** Stop this long before Lambda's deadline: the page in hand is finished, the rest waits a day. */
const DEADLINE_MARGIN_MS = 30_000;

/** The scheduled Lambda: one reconcile run, its counts logged; a throw fails the invocation. */
export const createReconcileHandler =
  (deps: ReconcileHandlerDeps) =>
  async (_event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => {
    const remaining = context?.getRemainingTimeInMillis?.();
    const signal =
      remaining && remaining > DEADLINE_MARGIN_MS
        ? AbortSignal.timeout(remaining - DEADLINE_MARGIN_MS)
        : undefined;
    const now = deps.now?.() ?? new Date();
    const runs: Array<{ accountSid: string; deps: ReconcileDeps }> = [
      { accountSid: deps.settings.accountSid, deps },
    ];
    for (const accountSid of (await deps.accounts?.subaccounts()) ?? []) {
      const accounts = deps.accounts as ReconcileAccounts;
      runs.push({
        accountSid,
        deps: {
          ...deps,
          catalog: accounts.catalogFor(accountSid),
          presence: accounts.presenceFor(accountSid),
        },
      });
    }
    const totals: Record<string, number> = {};
    let complete = true;
    for (const run of runs) {
      const result = await reconcile(run.deps, {
        ...deps.settings,
        accountSid: run.accountSid,
        now,
        ...(signal ? { signal } : {}),
      });
      for (const [name, value] of Object.entries(result.counts)) {
        if (typeof value === 'number') totals[name] = (totals[name] ?? 0) + value;
      }
      const fields = {
        ...result.counts,
        ...(runs.length > 1 ? { accountSid: run.accountSid } : {}),
      };
      if (result.complete) deps.logger.info('reconcile finished', fields);
      else {
        deps.logger.warn('reconcile stopped before the deadline', fields);
        complete = false;
        break;
      }
    }
    return { complete, ...totals, ...(runs.length > 1 ? { accounts: runs.length } : {}) };
  };
