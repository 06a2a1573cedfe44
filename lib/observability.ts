import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from './domain/service.ts';

// The use cases log and count through these, never through Powertools directly (biome.json).
export type { Logger } from '@aws-lambda-powertools/logger';
export { MetricUnit } from '@aws-lambda-powertools/metrics';
export { SERVICE_NAME };

/**
 * One Logger and one Metrics per process, as Powertools intends. Log lines carry SIDs, sizes and
 * error names only: never credentials, signatures, phone numbers or message bodies.
 */
export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: 'TwilioMediaArchiver', serviceName: SERVICE_NAME });

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
