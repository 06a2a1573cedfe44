/**
 * Imported first by every bench entry point, before any module that builds the Powertools Logger
 * or Metrics: per-request INFO lines and EMF blobs would flood the table on stdout, and writing
 * them is Lambda's log shipping, not the code under test.
 */
import { LOCAL_AWS_CREDENTIALS, LOCAL_REGION } from '../lib/config/local-constants.ts';

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_REGION ??= LOCAL_REGION;
// The SDK must never look for real credentials or profiles during a bench.
process.env.AWS_ACCESS_KEY_ID ??= LOCAL_AWS_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_AWS_CREDENTIALS.secretAccessKey;
