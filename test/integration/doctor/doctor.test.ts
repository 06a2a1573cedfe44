import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3ReconcileStatusSink } from '../../../lib/adapters/s3/s3-reconcile-status.ts';
import {
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { type MotoServer, startMoto } from '../../helpers/moto.ts';
import { runMediaArchive } from '../../helpers/run-cli.ts';

const REGION = 'us-east-1';
const STAGE = `doc${Date.now().toString(36).slice(-6)}`;
const STACK = `twilio-media-archiver-${STAGE}`;
const WEBHOOK_URL = `https://abc123.execute-api.${REGION}.amazonaws.com/twilio/messages`;
const TOKEN_PARAMETER = `/twilio-media-archiver/${STAGE}/twilio-auth-token`;
const SUBACCOUNTS = [1, 2, 3].map((n) => `AC${String(n).repeat(32)}`);
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

interface Check {
  id: string;
  status: string;
  summary: string;
  details?: Record<string, unknown>;
}
interface Report {
  stack: string;
  ok: boolean;
  checks: Check[];
}

/** The outputs, function environments and alarm of serverless.yml's stack, in miniature. */
const template = (accountSid: string, stack = STACK, served?: string) => {
  const STACK = stack;
  const fn = (name: string, environment: Record<string, unknown>) => ({
    Type: 'AWS::Lambda::Function',
    Properties: {
      FunctionName: `${STACK}-${name}`,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] },
      Code: { ZipFile: 'exports.handler = async () => ({});' },
      Environment: {
        Variables: {
          TWILIO_ACCOUNT_SID: { Ref: 'TwilioAccountSid' },
          ...(served ? { TWILIO_SUBACCOUNTS: served } : {}),
          ...environment,
        },
      },
    },
  });
  const archiveAccess = {
    ARCHIVE_BUCKET: { Ref: 'ArchiveBucket' },
    ARCHIVE_PREFIX: 'media/',
    TWILIO_API_KEY_SID: '',
    TWILIO_API_KEY_SECRET_PARAMETER: '',
    TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_PARAMETER,
  };
  return JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { TwilioAccountSid: { Type: 'String', Default: accountSid } },
    Resources: {
      ArchiveBucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `${STACK}-archive` } },
      MediaQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: `${STACK}-media` } },
      DeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: `${STACK}-media-dlq` } },
      FunctionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: `${STACK}-functions`,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'lambda.amazonaws.com' },
                Action: 'sts:AssumeRole',
              },
            ],
          },
        },
      },
      WebhookLambdaFunction: fn('webhook', {
        TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_PARAMETER,
        TWILIO_AUTH_TOKEN_PREVIOUS_PARAMETER: '',
        MEDIA_QUEUE_URL: { Ref: 'MediaQueue' },
      }),
      ArchiverLambdaFunction: fn('archiver', {
        ...archiveAccess,
        DEAD_LETTER_QUEUE_URL: { Ref: 'DeadLetterQueue' },
      }),
      ReconcileLambdaFunction: fn('reconcile', archiveAccess),
      DeadLetterQueueNotEmptyAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: `${STACK}-dlq-not-empty`,
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: `${STACK}-media-dlq` }],
          Statistic: 'Maximum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      },
    },
    Outputs: {
      WebhookUrl: { Value: WEBHOOK_URL },
      MediaQueueUrl: { Value: { Ref: 'MediaQueue' } },
      DeadLetterQueueUrl: { Value: { Ref: 'DeadLetterQueue' } },
      ArchiveBucketName: { Value: { Ref: 'ArchiveBucket' } },
    },
  });
};

describe('media-archive doctor against moto_server and the Twilio emulator', () => {
  let moto: MotoServer;
  let emulator: TwilioEmulator;
  let clients: { cfn: CloudFormationClient; ssm: SSMClient; sqs: SQSClient; s3: S3Client };
  let outputs: Record<string, string>;

  const doctor = (args: string[] = ['--json']) =>
    runMediaArchive(['doctor', '--stage', STAGE, '--region', REGION, ...args], {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_PROFILE: undefined,
      TWILIO_API_BASE_URL: emulator.apiBaseUrl,
      TWILIO_MESSAGING_BASE_URL: emulator.messagingBaseUrl,
    });
  const report = (stdout: string) => JSON.parse(stdout) as Report;
  const failed = (r: Report) => r.checks.filter((c) => c.status !== 'ok').map((c) => c.id);
  const putToken = (value: string) =>
    clients.ssm.send(
      new PutParameterCommand({
        Name: TOKEN_PARAMETER,
        Type: 'SecureString',
        Value: value,
        Overwrite: true,
      }),
    );

  const createStack = async (name: string, body: string): Promise<Record<string, string>> => {
    await clients.cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: body }));
    for (let tries = 0; ; tries += 1) {
      const { Stacks } = await clients.cfn.send(new DescribeStacksCommand({ StackName: name }));
      const stack = Stacks?.[0];
      if (stack?.StackStatus === 'CREATE_COMPLETE') {
        return Object.fromEntries(
          (stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
        );
      }
      if (tries > 100 || /FAILED|ROLLBACK/.test(stack?.StackStatus ?? '')) {
        throw new Error(`stack ${stack?.StackStatus}: ${stack?.StackStatusReason}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    [moto, emulator] = await Promise.all([
      startMoto(),
      startTwilioEmulator({
        phoneNumbers: [{ smsUrl: WEBHOOK_URL }, { smsUrl: 'https://old.example.com/sms' }],
        messagingServices: [{ friendlyName: 'Marketing' }],
        subaccounts: SUBACCOUNTS.map((sid) => ({ sid })),
      }),
    ]);
    const config = { endpoint: moto.endpoint, region: REGION, credentials: CREDENTIALS };
    clients = {
      cfn: new CloudFormationClient(config),
      ssm: new SSMClient(config),
      sqs: new SQSClient(config),
      s3: new S3Client({ ...config, forcePathStyle: true }),
    };
    await putToken(emulator.authToken);
    outputs = await createStack(STACK, template(emulator.accountSid));
    // What the deployed reconcile function records after a run, through the same adapter.
    await createS3ReconcileStatusSink({
      client: clients.s3,
      bucket: outputs.ArchiveBucketName ?? '',
      prefix: 'media/',
    }).record({
      finishedAt: new Date(Date.now() - 3_600_000).toISOString(),
      complete: true,
      since: '2026-11-29',
      until: '2026-12-01',
      direction: 'inbound',
      counts: { enqueued: 1, alreadyArchived: 3 },
    });
  }, 60_000);

  afterAll(async () => {
    for (const client of Object.values(clients ?? {})) client.destroy();
    await Promise.all([moto?.stop(), emulator?.close()]);
  });

  it('passes every check moto can show, and fails only the alarms moto does not create', async () => {
    // Act
    const result = await doctor();

    // Assess
    const parsed = report(result.stdout);
    expect(result.code).toBe(1);
    expect(parsed.stack).toBe(STACK);
    expect(failed(parsed)).toEqual(['alarms']);
    const byId = Object.fromEntries(parsed.checks.map((c) => [c.id, c]));
    expect(byId.alarms?.summary).toContain('has no CloudWatch alarm');
    // The stack sets no participantKeyParameter: ok, with the warning.
    expect(byId['ssm-parameters']?.status).toBe('ok');
    expect(byId['ssm-parameters']?.summary).toBe(
      `1 SecureString exists and decrypts: ${TOKEN_PARAMETER}; warning: no participant key (participantKeyParameter is empty): records name no participant, so find/erase --participant match nothing; create it (docs/DEPLOY.md, "Participants, erasure and retention") and redeploy`,
    );
    expect(byId['twilio-webhook']?.summary).toContain(
      `1 of 2 numbers and 0 of 1 Messaging Services point at ${WEBHOOK_URL}`,
    );
    expect(byId['dead-letter-queue']?.summary).toBe(`${STACK}-media-dlq is empty`);
    expect(byId.reconcile?.summary).toContain('1 enqueued, 3 already archived');
    expect(result.stdout).not.toContain(emulator.authToken);
  });

  it('prints one line per check and a verdict without --json', async () => {
    // Act
    const result = await doctor([]);

    // Assess
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(9);
    expect(lines[0]).toMatch(new RegExp(`^ok {4}stack {15}${STACK} CREATE_COMPLETE, 3 functions`));
    expect(lines[4]).toMatch(/^ok {4}event-streams {7}no Event Streams intake deployed/);
    expect(lines[6]).toMatch(/^FAIL {2}alarms {14}/);
    expect(lines[8]).toBe(`${STACK}: 1 of 8 checks not ok (alarms)`);
    expect(result.code).toBe(1);
  });

  it('judges the numbers of each served subaccount, read at its own path with the main token', async () => {
    // Prepare: a second stage serving two of the three subaccounts.
    const stage = `${STAGE}s`;
    const [sub1, sub2, notServed] = SUBACCOUNTS as [string, string, string];
    await createStack(
      `twilio-media-archiver-${stage}`,
      template(emulator.accountSid, `twilio-media-archiver-${stage}`, `${sub1},${sub2}`),
    );
    emulator.addPhoneNumber({ accountSid: sub1, phoneNumber: '+15005550101', smsUrl: WEBHOOK_URL });
    const stale = emulator.addPhoneNumber({
      accountSid: sub2,
      phoneNumber: '+15005550102',
      smsUrl: 'https://old.example.com/sms',
    });
    emulator.addPhoneNumber({ accountSid: notServed, smsUrl: 'https://old.example.com/sms' });
    const run = () =>
      runMediaArchive(['doctor', '--stage', stage, '--region', REGION, '--json'], {
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_PROFILE: undefined,
        TWILIO_API_BASE_URL: emulator.apiBaseUrl,
        TWILIO_MESSAGING_BASE_URL: emulator.messagingBaseUrl,
      });

    // Act
    const before = report((await run()).stdout);
    emulator.addPhoneNumber({ accountSid: sub2, phoneNumber: '+15005550103', smsUrl: WEBHOOK_URL });
    const after = report((await run()).stdout);

    // Assess
    const webhook = (r: Report) => r.checks.find((c) => c.id === 'twilio-webhook');
    expect(webhook(before)?.status).toBe('fail');
    const summary = webhook(before)?.summary ?? '';
    expect(summary).toMatch(
      new RegExp(
        `^3 accounts: AC…2222 0/1 numbers \\(${stale} \\(…0102\\) sms_url is another URL\\), AC…${emulator.accountSid.slice(-4)} \\(main\\) 1/2 numbers, 0/1 Messaging Services \\(`,
      ),
    );
    expect(summary.endsWith(`, AC…1111 1/1 numbers; pointing at ${WEBHOOK_URL}`)).toBe(true);
    expect(summary).not.toContain('AC…3333');
    const accounts = webhook(after)?.details?.accounts as Array<Record<string, unknown>>;
    expect(accounts.map((a) => [a.accountSid, a.numbers, a.numbersPointing, a.ok])).toEqual([
      [emulator.accountSid, 2, 1, true],
      [sub1, 1, 1, true],
      [sub2, 2, 1, true],
    ]);
    expect(webhook(after)?.status).toBe('ok');
    expect(JSON.stringify([before, after])).not.toMatch(/\+1500555010[1-3]/);
  });

  it('fails the DLQ check with dead-lettered jobs and the credentials check with a bad token', async () => {
    // Prepare
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: outputs.DeadLetterQueueUrl, MessageBody: '{"job":1}' }),
    );
    await putToken('not-the-token');

    // Act
    const result = await doctor();

    // Assess
    const parsed = report(result.stdout);
    expect(failed(parsed)).toEqual([
      'twilio-credentials',
      'twilio-webhook',
      'event-streams',
      'dead-letter-queue',
      'alarms',
    ]);
    const byId = Object.fromEntries(parsed.checks.map((c) => [c.id, c]));
    expect(byId['twilio-credentials']?.summary).toBe(
      'auth token: Twilio refused the credential (401 code 20003)',
    );
    expect(byId['twilio-webhook']?.status).toBe('skip');
    expect(byId['dead-letter-queue']?.summary).toMatch(
      /^1 dead-lettered job in .*, oldest unknown;/,
    );
  });

  it('fails with a clear line when the stage has no stack', async () => {
    // Act
    const result = await runMediaArchive(['doctor', '--stage', 'nosuchstage', '--region', REGION], {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')[0]).toBe(
      'FAIL  stack               no stack twilio-media-archiver-nosuchstage in this region (check --stage and --region)',
    );
  });
});
