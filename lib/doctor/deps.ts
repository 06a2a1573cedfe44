import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createCloudFormationStackReader } from '../adapters/cloudformation-stack-reader.ts';
import {
  createCloudWatchAlarmReader,
  createCloudWatchMetricsReader,
} from '../adapters/cloudwatch-readers.ts';
import { createS3ReconcileStatusReader } from '../adapters/s3-reconcile-status.ts';
import { createSqsQueueInspector } from '../adapters/sqs-queue-inspector.ts';
import { createSsmParameterReader } from '../adapters/ssm-parameter-reader.ts';
import { createTwilioAccountDirectory } from '../adapters/twilio-account-directory.ts';
import { createTwilioAccountReader } from '../adapters/twilio-account-reader.ts';
import type { DoctorConfig, DoctorService } from './config.ts';
import type { DoctorPorts } from './ports.ts';

/** Composition root of `media-archive doctor`: one client per service, destroyed by the caller. */
export const createDoctorDeps = (
  config: DoctorConfig,
  tuning: { fetch?: typeof globalThis.fetch } = {},
): { ports: DoctorPorts; destroy(): void } => {
  const base = (service: DoctorService) => ({
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoints[service] ? { endpoint: config.endpoints[service] } : {}),
  });
  const cloudformation = new CloudFormationClient(base('CLOUDFORMATION'));
  const lambda = new LambdaClient(base('LAMBDA'));
  const ssm = new SSMClient(base('SSM'));
  const sqs = new SQSClient(base('SQS'));
  const cloudwatch = new CloudWatchClient(base('CLOUDWATCH'));
  const s3 = new S3Client({
    ...base('S3'),
    ...(config.s3ForcePathStyle ? { forcePathStyle: true } : {}),
  });
  const clients = [cloudformation, lambda, ssm, sqs, cloudwatch, s3];
  return {
    ports: {
      stack: createCloudFormationStackReader({ cloudformation, lambda }),
      parameters: createSsmParameterReader(ssm),
      twilio: (accountSid, credentials) =>
        createTwilioAccountReader({
          apiBaseUrl: config.twilioApiBaseUrl,
          messagingBaseUrl: config.twilioMessagingBaseUrl,
          accountSid,
          credentials,
          ...(tuning.fetch ? { fetch: tuning.fetch } : {}),
        }),
      accounts: (accountSid, credentials) =>
        createTwilioAccountDirectory({
          apiBaseUrl: config.twilioApiBaseUrl,
          accountSid,
          credentials,
          requestTimeoutMs: 30_000,
          ...(tuning.fetch ? { fetch: tuning.fetch } : {}),
        }),
      queues: createSqsQueueInspector(sqs),
      metrics: createCloudWatchMetricsReader(cloudwatch),
      alarms: createCloudWatchAlarmReader(cloudwatch),
      reconcileStatus: createS3ReconcileStatusReader(s3),
    },
    destroy: () => {
      for (const client of clients) client.destroy();
    },
  };
};
