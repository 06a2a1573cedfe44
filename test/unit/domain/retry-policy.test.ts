import { describe, expect, it } from 'vitest';
import {
  InvalidJobError,
  MediaTooLargeError,
  StorageUnavailableError,
  TwilioAuthError,
  TwilioThrottledError,
  UnstableMediaError,
  UnsupportedEncodingError,
} from '../../../lib/domain/errors.ts';
import { MetricName } from '../../../lib/domain/metric-names.ts';
import {
  type FailedAttempt,
  postponable,
  type RecordFate,
  recordFate,
  retryDelaySeconds,
} from '../../../lib/domain/retry-policy.ts';

const attempt = (overrides: Partial<FailedAttempt>): FailedAttempt => ({
  error: new StorageUnavailableError('S3 503'),
  attempt: 1,
  maxReceiveCount: 5,
  aborted: false,
  canDeadLetter: true,
  ...overrides,
});

const { DeadLettered, MediaKeptUnproven, Retries } = MetricName;

describe('recordFate', () => {
  const cases: [string, Partial<FailedAttempt>, RecordFate][] = [
    [
      'a transient failure before the last attempt is retried quietly',
      {},
      {
        log: { level: 'warn', message: 'job failed, will be retried' },
        action: 'retry',
        metrics: [Retries],
      },
    ],
    [
      'a transient failure on the last attempt is dead-lettered loudly',
      { attempt: 5 },
      {
        log: { level: 'error', message: 'job failed' },
        action: 'dead-letter',
        metrics: [DeadLettered],
      },
    ],
    [
      'a transient failure on the last attempt without a dead-letter queue is retried loudly',
      { attempt: 5, canDeadLetter: false },
      { log: { level: 'error', message: 'job failed' }, action: 'retry', metrics: [Retries] },
    ],
    [
      'a permanent failure is dead-lettered on its first attempt',
      { error: new InvalidJobError('bad job') },
      {
        log: { level: 'error', message: 'job failed permanently' },
        action: 'dead-letter',
        metrics: [DeadLettered],
      },
    ],
    [
      'a permanent failure without a dead-letter queue fails uncounted',
      { error: new MediaTooLargeError('big'), canDeadLetter: false },
      { log: { level: 'error', message: 'job failed permanently' }, action: 'fail', metrics: [] },
    ],
    [
      'an unproven copy dead-lettered at the end counts as kept at Twilio',
      { error: new UnstableMediaError('two downloads differ'), attempt: 5 },
      {
        log: { level: 'error', message: 'job failed' },
        action: 'dead-letter',
        metrics: [DeadLettered, MediaKeptUnproven],
      },
    ],
    [
      'an undecodable encoding is dead-lettered at once and counts as kept',
      { error: new UnsupportedEncodingError('br') },
      {
        log: { level: 'error', message: 'job failed permanently' },
        action: 'dead-letter',
        metrics: [DeadLettered, MediaKeptUnproven],
      },
    ],
    [
      'a job stopped at the deadline is an expected retry, a warning',
      { aborted: true },
      {
        log: { level: 'warn', message: 'job stopped at the invocation deadline, will be retried' },
        action: 'retry',
        metrics: [Retries],
      },
    ],
    [
      'a job stopped at the deadline on its last attempt is dead-lettered loudly',
      { aborted: true, attempt: 5 },
      {
        log: { level: 'error', message: 'job failed' },
        action: 'dead-letter',
        metrics: [DeadLettered],
      },
    ],
    [
      'refused Twilio credentials are a configuration error, retried',
      { error: new TwilioAuthError('401') },
      {
        log: { level: 'error', message: 'configuration error: Twilio refused the credentials' },
        action: 'retry',
        metrics: [Retries],
      },
    ],
    [
      'an error of no known class is retried but loud',
      { error: new TypeError('undefined is not a function') },
      { log: { level: 'error', message: 'job failed' }, action: 'retry', metrics: [Retries] },
    ],
  ];

  it.each(cases)('%s', (_name, overrides, expected) => {
    // Act
    const fate = recordFate(attempt(overrides));

    // Assess
    expect(fate).toEqual(expected);
  });
});

describe('retryDelaySeconds', () => {
  it('doubles per attempt, honours Retry-After as a floor and caps at 12 hours', () => {
    // Act
    const delays = [1, 2, 3].map((n) => retryDelaySeconds(30, n, new Error('x')));
    const throttled = retryDelaySeconds(
      30,
      1,
      new TwilioThrottledError('429', { retryAfterSeconds: 600 }),
    );
    const capped = retryDelaySeconds(30, 20, new Error('x'));

    // Assess
    expect(delays).toEqual([30, 60, 120]);
    expect(throttled).toBe(600);
    expect(capped).toBe(43_200);
  });
});

describe('postponable', () => {
  it('postpones transient and unknown failures, never permanent ones', () => {
    // Act
    const verdicts = [
      new StorageUnavailableError('x'),
      new Error('x'),
      new InvalidJobError('x'),
    ].map(postponable);

    // Assess
    expect(verdicts).toEqual([true, true, false]);
  });
});
