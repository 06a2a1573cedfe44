import { describe, expect, it } from 'vitest';
import { IntegrityError, NotInArchiveError } from '../../../lib/cli/errors.ts';
import { describeFailure } from '../../../lib/cli/failure.ts';
import { ConfigurationError } from '../../../lib/config/env.ts';

const sdkError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, ...extra });

describe('describeFailure', () => {
  const aws = { bucket: 'archive', local: false };
  const local = { bucket: 'archive', endpoint: 'http://127.0.0.1:4569', local: true };

  it.each([
    [sdkError('NoSuchBucket'), aws, 'bucket archive does not exist', 1],
    [sdkError('NoSuchBucket'), local, 'bucket archive does not exist at http://127.0.0.1:4569', 1],
    [sdkError('CredentialsProviderError'), aws, 'no AWS credentials found', 1],
    [sdkError('AccessDenied'), aws, 'access denied to bucket archive', 1],
    [sdkError('ExpiredToken'), aws, 'AWS rejected the credentials (ExpiredToken)', 1],
    [sdkError('NotFound'), aws, 'object not found in the archive', 2],
    [new NotInArchiveError('media ME1 not found'), aws, 'media ME1 not found', 2],
    [new IntegrityError('k: SHA-256 differs'), aws, 'k: SHA-256 differs', 1],
    [new ConfigurationError('ARCHIVE_BUCKET is required'), aws, 'or --local', 1],
    [
      Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      local,
      'is the local stack running (npm start)?',
      1,
    ],
    [new Error('Region is missing'), aws, 'set AWS_REGION', 1],
    [sdkError('SlowDown', { $metadata: { httpStatusCode: 503 } }), aws, 'S3 error 503 SlowDown', 1],
  ])('%s → "%s"', (error, context, message, exitCode) => {
    // Act
    const failure = describeFailure(error, context);

    // Assess
    expect(failure.message).toContain(message);
    expect(failure.message).not.toContain('\n');
    expect(failure.exitCode).toBe(exitCode);
  });
});
