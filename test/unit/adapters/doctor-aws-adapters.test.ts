import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createCloudFormationStackReader } from '../../../lib/adapters/cloudformation-stack-reader.ts';
import { createCloudWatchMetricsReader } from '../../../lib/adapters/cloudwatch-readers.ts';
import {
  createS3ReconcileStatusReader,
  createS3ReconcileStatusSink,
  UnreadableStatusError,
} from '../../../lib/adapters/s3-reconcile-status.ts';
import { createSsmParameterReader } from '../../../lib/adapters/ssm-parameter-reader.ts';

const s3 = mockClient(S3Client);
const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const ssm = mockClient(SSMClient);
const cloudwatch = mockClient(CloudWatchClient);

afterEach(() => {
  for (const mock of [s3, cfn, lambda, ssm, cloudwatch]) mock.reset();
});

/** The one method of an SDK body stream the reader uses. */
const body = (text: string) =>
  ({ transformToString: async () => text }) as unknown as NonNullable<
    import('@aws-sdk/client-s3').GetObjectCommandOutput['Body']
  >;

describe('s3 reconcile status', () => {
  it('writes and reads {prefix}_status/reconcile.json', async () => {
    // Prepare
    const status = {
      finishedAt: '2026-12-01T03:00:00.000Z',
      complete: true,
      since: '2026-11-29',
      until: '2026-12-01',
      direction: 'inbound',
      counts: { enqueued: 1 },
    };
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(status)) });

    // Act
    await createS3ReconcileStatusSink({
      client: new S3Client({}),
      bucket: 'b',
      prefix: 'media/',
    }).record(status);
    const read = await createS3ReconcileStatusReader(new S3Client({})).read('b', 'media/');

    // Assess
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'b',
      Key: 'media/_status/reconcile.json',
      ContentType: 'application/json',
    });
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input.Key).toBe(
      'media/_status/reconcile.json',
    );
    expect(read).toEqual(status);
  });

  it('reads a missing object as no run, and refuses one that is not a status', async () => {
    // Prepare
    const reader = createS3ReconcileStatusReader(new S3Client({}));
    s3.on(GetObjectCommand)
      .rejectsOnce(new NoSuchKey({ message: 'gone', $metadata: {} }))
      .resolves({ Body: body('{"complete":"yes"}') });

    // Act / Assess
    await expect(reader.read('b', 'media/')).resolves.toBeUndefined();
    await expect(reader.read('b', 'media/')).rejects.toThrow(UnreadableStatusError);
  });
});

describe('createCloudFormationStackReader', () => {
  const reader = () =>
    createCloudFormationStackReader({
      cloudformation: new CloudFormationClient({}),
      lambda: new LambdaClient({}),
    });

  it('reads outputs, parameters, function environments and alarm names', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 's',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: 'WebhookUrl', OutputValue: 'https://x/twilio/messages' }],
          Parameters: [{ ParameterKey: 'TwilioAccountSid', ParameterValue: 'AC1' }],
        },
      ],
    });
    cfn.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'WebhookLambdaFunction',
          PhysicalResourceId: 's-webhook',
          ResourceType: 'AWS::Lambda::Function',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
        {
          LogicalResourceId: 'DeadLetterQueueNotEmptyAlarm',
          PhysicalResourceId: 's-dlq-not-empty',
          ResourceType: 'AWS::CloudWatch::Alarm',
          ResourceStatus: 'CREATE_COMPLETE',
          LastUpdatedTimestamp: new Date(),
        },
      ],
    });
    lambda
      .on(GetFunctionConfigurationCommand, { FunctionName: 's-webhook' })
      .resolves({ Environment: { Variables: { TWILIO_AUTH_TOKEN_PARAMETER: '/p' } } });

    // Act
    const stack = await reader().read('s');

    // Assess
    expect(stack).toEqual({
      name: 's',
      status: 'CREATE_COMPLETE',
      outputs: { WebhookUrl: 'https://x/twilio/messages' },
      parameters: { TwilioAccountSid: 'AC1' },
      functions: [
        {
          logicalId: 'WebhookLambdaFunction',
          name: 's-webhook',
          environment: { TWILIO_AUTH_TOKEN_PARAMETER: '/p' },
        },
      ],
      alarmNames: ['s-dlq-not-empty'],
    });
  });

  it("reads CloudFormation's ValidationError for a missing stack as no stack", async () => {
    // Prepare
    cfn
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('Stack with id s does not exist'), { name: 'ValidationError' }),
      );

    // Act / Assess
    await expect(reader().read('s')).resolves.toBeUndefined();
  });
});

describe('createSsmParameterReader', () => {
  it('asks with decryption, 10 names a call, and reports the unknown names', async () => {
    // Prepare
    const names = Array.from({ length: 12 }, (_, i) => `/p${i}`);
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((n) => n !== '/p11').map((Name) => ({
        Name,
        Type: 'SecureString',
        Value: 'v',
      })),
      InvalidParameters: input.Names.includes('/p11') ? ['/p11'] : [],
    }));

    // Act
    const { found, missing } = await createSsmParameterReader(new SSMClient({})).read(names);

    // Assess
    const calls = ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.Names?.length, c.WithDecryption])).toEqual([
      [10, true],
      [2, true],
    ]);
    expect(found).toHaveLength(11);
    expect(missing).toEqual(['/p11']);
  });
});

describe('createCloudWatchMetricsReader', () => {
  it("returns the latest datapoint's maximum, or undefined without data", async () => {
    // Prepare
    const reader = createCloudWatchMetricsReader(
      new CloudWatchClient({}),
      () => new Date('2026-12-01T12:00:00Z'),
    );
    cloudwatch
      .on(GetMetricStatisticsCommand)
      .resolvesOnce({
        Datapoints: [
          { Timestamp: new Date('2026-12-01T11:50:00Z'), Maximum: 100 },
          { Timestamp: new Date('2026-12-01T11:58:00Z'), Maximum: 220 },
        ],
      })
      .resolves({ Datapoints: [] });

    // Act
    const latest = await reader.oldestMessageAgeSeconds('q-dlq');
    const none = await reader.oldestMessageAgeSeconds('q-dlq');

    // Assess
    expect(latest).toBe(220);
    expect(none).toBeUndefined();
    expect(cloudwatch.commandCalls(GetMetricStatisticsCommand)[0]?.args[0].input).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: 'q-dlq' }],
    });
  });
});
