import { S3Client } from '@aws-sdk/client-s3';
import type { CliConfig } from '../config/lambda.ts';

/** One client per CLI run; the local stack gets s3rver's keys, path style and no streaming checksums. */
export const createCliS3Client = (config: CliConfig['s3']): S3Client =>
  new S3Client({
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.checksumsWhenRequired
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
