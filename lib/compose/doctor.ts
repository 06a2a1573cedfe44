import { createCloudFormationStackReader } from '../adapters/aws/cloudformation-stack-reader.ts';
import {
  createCloudWatchAlarmReader,
  createCloudWatchMetricsReader,
} from '../adapters/aws/cloudwatch-readers.ts';
import { createSnsTopicReader } from '../adapters/aws/sns-topic-reader.ts';
import { createS3ReconcileStatusReader } from '../adapters/s3/s3-reconcile-status.ts';
import { createSqsQueueInspector } from '../adapters/sqs/sqs-queue-inspector.ts';
import { createSsmParameterReader } from '../adapters/ssm/ssm-parameter-reader.ts';
import { createTwilioAccountDirectory } from '../adapters/twilio/twilio-account-directory.ts';
import { createTwilioAccountReader } from '../adapters/twilio/twilio-account-reader.ts';
import { createTwilioEventStreams } from '../adapters/twilio/twilio-event-streams.ts';
import type { DoctorConfig, DoctorService } from '../config/doctor.ts';
import type { DoctorPorts } from '../ports/doctor.ts';
import {
  createCloudFormationClient,
  createCloudWatchClient,
  createLambdaClient,
  createS3Client,
  createSnsClient,
  createSqsClient,
  loadSsmClient,
} from './clients.ts';

/** Composition root of `media-archive doctor`: one client per service, destroyed by the caller. */
export const createDoctorDeps = async (
  config: DoctorConfig,
  tuning: { fetch?: typeof globalThis.fetch } = {},
): Promise<{ ports: DoctorPorts; destroy(): void }> => {
  const base = (service: DoctorService) => ({
    ...(config.region ? { region: config.region } : {}),
    ...(config.endpoints[service] ? { endpoint: config.endpoints[service] } : {}),
  });
  const cloudformation = createCloudFormationClient(base('CLOUDFORMATION'));
  const lambda = createLambdaClient(base('LAMBDA'));
  const ssm = await loadSsmClient(base('SSM'));
  const sqs = createSqsClient(base('SQS'));
  const cloudwatch = createCloudWatchClient(base('CLOUDWATCH'));
  const sns = createSnsClient(base('SNS'));
  const s3 = createS3Client({ ...base('S3'), forcePathStyle: config.s3ForcePathStyle });
  const clients = [cloudformation, lambda, ssm, sqs, cloudwatch, sns, s3];
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
      events: (accountSid, credentials) =>
        createTwilioEventStreams({
          eventsBaseUrl: config.twilioEventsBaseUrl,
          accountSid,
          credentials,
          ...(tuning.fetch ? { fetch: tuning.fetch } : {}),
        }),
      queues: createSqsQueueInspector(sqs),
      metrics: createCloudWatchMetricsReader(cloudwatch),
      alarms: createCloudWatchAlarmReader(cloudwatch),
      alarmTopics: createSnsTopicReader(sns),
      reconcileStatus: createS3ReconcileStatusReader(s3),
    },
    destroy: () => {
      for (const client of clients) client.destroy();
    },
  };
};
