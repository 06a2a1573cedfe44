/**
 * Imported first by every bench entry point, before any module that builds the Powertools Logger
 * or Metrics: per-request INFO lines and EMF blobs would flood the table on stdout, and writing
 * them is Lambda's log shipping, not the code under test.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_REGION ??= 'us-east-1';
// The SDK must never look for real credentials or profiles during a bench.
process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
