/** Metric names, in one place so dashboards and code agree. */
export const MetricName = {
  MediaArchived: 'MediaArchived',
  BytesArchived: 'BytesArchived',
  DeletedAtTwilio: 'DeletedAtTwilio',
  DuplicatesSkipped: 'DuplicatesSkipped',
  /** An object at the key that S3 could not confirm, or other bytes, replaced by a proven copy. */
  ArchiveOverwritten: 'ArchiveOverwritten',
  SignaturesRefused: 'SignaturesRefused',
  JobsEnqueued: 'JobsEnqueued',
  Retries: 'Retries',
  DeadLettered: 'DeadLettered',
  /** Dead-lettered without proof that S3 holds Twilio's bytes: kept at Twilio. */
  MediaKeptUnproven: 'MediaKeptUnproven',
  /** Redaction on, but the body stays at Twilio: Twilio, the record and the job disagree. */
  RedactionSkipped: 'RedactionSkipped',
} as const;

export type MetricNameValue = (typeof MetricName)[keyof typeof MetricName];

/** The units our metrics use; Powertools' `MetricUnit` has the same string values. */
export const MetricUnit = { Count: 'Count', Bytes: 'Bytes' } as const;

export type MetricUnitValue = (typeof MetricUnit)[keyof typeof MetricUnit];
