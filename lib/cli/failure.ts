import { ConfigurationError } from '../config/env.ts';
import { ArchiverError, StorageUnavailableError } from '../domain/errors.ts';
import { StoredChecksumMismatchError } from '../domain/read-verification.ts';
import { CheckpointError } from '../use-cases/backfill/checkpoint.ts';
import {
  EXIT_FAILURE,
  EXIT_NOT_FOUND,
  FileExistsError,
  IntegrityError,
  NoObjectLockError,
  NotInArchiveError,
} from './errors.ts';

export interface FailureContext {
  bucket?: string;
  endpoint?: string;
  local: boolean;
}

export interface Failure {
  message: string;
  exitCode: number;
}

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  errors?: SdkLikeError[];
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

const networkCode = (error: SdkLikeError): string | undefined =>
  [error.code, ...(error.errors ?? []).map((inner) => inner.code)].find(
    (code): code is string => code !== undefined && NETWORK_CODES.has(code),
  );

/**
 * Every failure of every command as one line for stderr, and the exit status it deserves. S3
 * failures keep the ls/get wording wherever they happen; the pipeline's own errors (backfill,
 * reconcile) name their service.
 */
export const describeFailure = (error: unknown, context: FailureContext): Failure => {
  const fail = (message: string, exitCode = EXIT_FAILURE): Failure => ({ message, exitCode });
  if (error instanceof NotInArchiveError) return fail(error.message, EXIT_NOT_FOUND);
  if (
    error instanceof FileExistsError ||
    error instanceof IntegrityError ||
    error instanceof NoObjectLockError ||
    error instanceof StoredChecksumMismatchError ||
    error instanceof CheckpointError
  ) {
    return fail(error.message);
  }
  if (error instanceof StorageUnavailableError && error.cause) {
    return describeFailure(error.cause, context);
  }
  if (error instanceof ArchiverError) {
    const where = context.local ? ' (is the local stack running? npm start)' : '';
    return fail(`${error.message}${/failed|unavailable/i.test(error.message) ? where : ''}`);
  }
  if (error instanceof ConfigurationError) {
    return fail(
      error.message.startsWith('ARCHIVE_BUCKET')
        ? `${error.message} (the archive bucket's name; or --local for the local stack)`
        : error.message,
    );
  }
  const sdk = (error ?? {}) as SdkLikeError;
  if (sdk.$metadata && sdk.name?.includes('Queue')) {
    return fail(`SQS: ${sdk.name}: ${sdk.message}`);
  }
  const bucket = context.bucket ?? '?';
  const where = context.endpoint ?? 'S3';
  switch (sdk.name) {
    case 'NoSuchBucket':
      return fail(`bucket ${bucket} does not exist${context.local ? ` at ${where}` : ''}`);
    case 'NoSuchKey':
    case 'NotFound':
      return fail('object not found in the archive', EXIT_NOT_FOUND);
    case 'CredentialsProviderError':
      return fail(
        'no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login; --local for the local stack)',
      );
    case 'AccessDenied':
    case 'Forbidden':
      return fail(`access denied to bucket ${bucket} (check the IAM policy of these credentials)`);
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
      return fail(`AWS rejected the credentials (${sdk.name}): renew or fix them`);
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed':
      return fail(`bucket ${bucket} is in another region: set AWS_REGION to the bucket's region`);
  }
  const code = networkCode(sdk);
  if (code) {
    return fail(
      context.local
        ? `cannot reach the local S3 at ${where} (${code}): is the local stack running (npm start)?`
        : `cannot reach ${where} (${code})`,
    );
  }
  if (sdk.message?.startsWith('Region is missing')) {
    return fail('no AWS region configured: set AWS_REGION (the bucket region)');
  }
  const status = sdk.$metadata?.httpStatusCode;
  const message = (sdk.message ?? String(error)).split('\n', 1)[0];
  return fail(status ? `S3 error ${status} ${sdk.name ?? ''}: ${message}` : `error: ${message}`);
};
