import {
  ArchiverError,
  isPermanent,
  TransientError,
  TwilioAuthError,
  UnprovenArchiveError,
  UnsupportedEncodingError,
} from './errors.ts';
import { MetricName, type MetricNameValue } from './metric-names.ts';

/** SQS's ceiling for a visibility timeout (12 h). */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** Visibility timeout before the next attempt: doubles per attempt, never below Retry-After. */
export const retryDelaySeconds = (base: number, attempt: number, error: unknown): number => {
  const exponential = base * 2 ** Math.max(0, attempt - 1);
  const floor = error instanceof TransientError ? (error.retryAfterSeconds ?? 0) : 0;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(exponential, floor));
};

/** Whether a failed record's next delivery is worth postponing (a permanent one never returns). */
export const postponable = (error: unknown): boolean => !isPermanent(error);

export interface FailedAttempt {
  error: unknown;
  /** 1 on the first delivery (SQS ApproximateReceiveCount). */
  attempt: number;
  maxReceiveCount: number;
  /** The invocation stopped the job on purpose before the Lambda deadline. */
  aborted: boolean;
  /** A dead-letter queue is configured. */
  canDeadLetter: boolean;
}

/**
 * What becomes of a failed record. `dead-letter`: sent with its reason and reported done (the
 * `metrics` counted once the send succeeded); `retry`: the record fails and comes back (counted as
 * a retry); `fail`: a permanent failure with nowhere to go, the record fails uncounted.
 */
export interface RecordFate {
  log: { level: 'error' | 'warn'; message: string };
  action: 'dead-letter' | 'retry' | 'fail';
  metrics: readonly MetricNameValue[];
}

const logFor = ({ error, attempt, maxReceiveCount, aborted }: FailedAttempt): RecordFate['log'] => {
  const permanent = isPermanent(error);
  const last = attempt >= maxReceiveCount;
  if (error instanceof TwilioAuthError) {
    return { level: 'error', message: 'configuration error: Twilio refused the credentials' };
  }
  // Stopped on purpose before the Lambda deadline: an expected retry, not a fault.
  if (aborted && !last) {
    return { level: 'warn', message: 'job stopped at the invocation deadline, will be retried' };
  }
  // An error we do not know the class of is a bug somewhere: loud even when retried.
  if (permanent || last || !(error instanceof ArchiverError)) {
    return { level: 'error', message: permanent ? 'job failed permanently' : 'job failed' };
  }
  return { level: 'warn', message: 'job failed, will be retried' };
};

/** Decides a failed record's fate from the error's class, the attempt and what is configured. */
export const recordFate = (failed: FailedAttempt): RecordFate => {
  const log = logFor(failed);
  const permanent = isPermanent(failed.error);
  const last = failed.attempt >= failed.maxReceiveCount;
  if ((permanent || last) && failed.canDeadLetter) {
    const kept =
      failed.error instanceof UnprovenArchiveError ||
      failed.error instanceof UnsupportedEncodingError;
    return {
      log,
      action: 'dead-letter',
      metrics: kept
        ? [MetricName.DeadLettered, MetricName.MediaKeptUnproven]
        : [MetricName.DeadLettered],
    };
  }
  if (permanent) return { log, action: 'fail', metrics: [] };
  return { log, action: 'retry', metrics: [MetricName.Retries] };
};
