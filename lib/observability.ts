import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from './domain/service.ts';

// Handlers and lib/compose log and count through these; use cases receive them as arguments,
// typed by lib/ports/telemetry.ts, and never import this module (biome.json).
export type { Logger } from '@aws-lambda-powertools/logger';
export { MetricUnit } from '@aws-lambda-powertools/metrics';
export { SERVICE_NAME };

/**
 * One Logger and one Metrics per process, as Powertools intends. Log lines carry SIDs, sizes and
 * error names only: never credentials, signatures, phone numbers or message bodies.
 */
export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: 'TwilioMediaArchiver', serviceName: SERVICE_NAME });

/** Kept for branches in flight; new code imports it from lib/domain/metric-names.ts. */
export { MetricName } from './domain/metric-names.ts';
