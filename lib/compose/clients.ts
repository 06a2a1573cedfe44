import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

/**
 * The one module that constructs AWS SDK clients: Lambdas, CLI, local stack, rehearsal and bench
 * all come here. Empty settings leave region, credentials and `AWS_ENDPOINT_URL_*` to the SDK's
 * own resolution (the Lambdas); the other callers name a stand-in's endpoint and keys.
 */
export interface AwsClientSettings {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
}

export interface S3ClientSettings extends AwsClientSettings {
  forcePathStyle?: boolean;
  /** A probe's own handler (timeouts); production keeps the SDK's. */
  requestHandler?: S3ClientConfig['requestHandler'];
}

const common = (settings: AwsClientSettings) => ({
  ...(settings.region ? { region: settings.region } : {}),
  ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  ...(settings.credentials ? { credentials: settings.credentials } : {}),
  ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}),
});

export const createS3Client = (settings: S3ClientSettings = {}): S3Client =>
  new S3Client({
    ...common(settings),
    ...(settings.forcePathStyle ? { forcePathStyle: true } : {}),
    ...(settings.requestHandler ? { requestHandler: settings.requestHandler } : {}),
  });

export const createSqsClient = (settings: AwsClientSettings = {}): SQSClient =>
  new SQSClient(common(settings));

export const createCloudFormationClient = (settings: AwsClientSettings = {}) =>
  new CloudFormationClient(common(settings));

export const createLambdaClient = (settings: AwsClientSettings = {}) =>
  new LambdaClient(common(settings));

export const createCloudWatchClient = (settings: AwsClientSettings = {}) =>
  new CloudWatchClient(common(settings));

/** `connect --stage`: reads a sink test's test_id from the events function's log. */
export const createCloudWatchLogsClient = (settings: AwsClientSettings = {}) =>
  new CloudWatchLogsClient(common(settings));

export const createSnsClient = (settings: AwsClientSettings = {}) =>
  new SNSClient(common(settings));

/** The rehearsal's stand-in account only: nothing deployed talks to IAM. */
export const createIamClient = (settings: AwsClientSettings = {}) =>
  new IAMClient(common(settings));

/**
 * SSM is loaded on demand: the bundles leave it to the Lambda runtime's SDK (scripts/build.mjs),
 * and a function with no `*_PARAMETER` never pays for its import.
 */
export const loadSsmClient = async (settings: AwsClientSettings = {}): Promise<SSMClient> => {
  const { SSMClient } = await import('@aws-sdk/client-ssm');
  return new SSMClient(common(settings));
};

/** The erasure receipt's "who ran it" (GetCallerIdentity needs no permission). */
export const createStsClient = (settings: AwsClientSettings = {}) =>
  new STSClient(common(settings));

/** `find --athena`: the CLI only (a Lambda bundle never imports it). */
export const createAthenaClient = (settings: AwsClientSettings = {}) =>
  new AthenaClient(common(settings));
