import { S3Client } from '@aws-sdk/client-s3';
import type { CliConfig } from '../config.ts';

/** One client per CLI run; the local stack gets its fixed keys and path style, AWS's checksum defaults. */
export const createCliS3Client = (config: CliConfig['s3']): S3Client =>
  new S3Client({
    forcePathStyle: config.forcePathStyle,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
