import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CfnResource,
  type CfnTemplate,
  ESBUILD_OUTPUT_DIR,
  lintFile,
  lintTemplate,
  type PackageResult,
  PROJECT_ROOT,
  packageService,
  render,
  resolveConditions,
  resourcesOfType,
  type Statement,
  statementsOf,
} from './cloudformation.ts';

/**
 * Packages the service offline, as `npm run package` does in CI, twice: with the defaults and with
 * every optional setting switched, then checks the CloudFormation each would deploy.
 */

const STAGE = 'test';
const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const PARAMETER_PREFIX = `/twilio-media-archiver/${STAGE}`;
const SSM_ARN = 'arn:{AWS::Partition}:ssm:{AWS::Region}:{AWS::AccountId}:parameter';
// Plain-variable secrets in the packaging environment must never reach the template.
const CANARIES = {
  TWILIO_AUTH_TOKEN: 'canary-auth-token-5f1c0e',
  TWILIO_AUTH_TOKEN_PREVIOUS: 'canary-previous-token-8d2a71',
  TWILIO_API_KEY_SECRET: 'canary-api-key-secret-93b4d6',
};
const VARIANT_PARAMS = {
  twilioAccountSid: ACCOUNT_SID,
  archiveEncryption: 's3',
  twilioApiKeySid: `SK${'b'.repeat(32)}`,
  apiKeySecretParameter: '/custom/api-key-secret',
  authTokenPreviousParameter: '/custom/previous-token',
  publicWebhookUrl: 'https://hooks.example.com/twilio/messages',
  bucketName: 'example-media-archive',
  alarmEmail: 'ops@example.com',
  webhookRateLimit: '5',
  webhookBurstLimit: '20',
  webhookReservedConcurrency: '3',
  twilioSubaccounts: 'all',
  mediaQueueSenders:
    'arn:aws:iam::123456789012:role/ops-backfill,arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*',
  intake: 'webhook,event-streams-webhook,event-streams-kinesis',
  eventStreamCapacity: 'provisioned',
  eventSinkPasswordParameter: '/custom/sink-password',
  eventStreamsExternalIdParameter: '/custom/external-id',
  participantKeyParameter: '/custom/participant-key',
  retentionYears: '7',
  athena: 'true',
  athenaBytesScannedCutoff: '2000000000',
};
const BUDGET_BYTES = { webhook: 500_000, archiver: 700_000, reconcile: 700_000, events: 600_000 };
const FUNCTIONS = ['webhook', 'archiver', 'reconcile', 'events'] as const;

let packaged: PackageResult;
const scratchDirs: string[] = [];
let template: CfnTemplate;
let variant: CfnTemplate;
let variantDir: string;
let variantTemplate: PackageResult;
const bundles = new Map<
  string,
  { bytes: number; inputs: string[]; shipped: string[]; code: string }
>();

const resource = (from: CfnTemplate, id: string): CfnResource => {
  const found = from.Resources[id];
  if (!found) throw new Error(`${id} is not in the template`);
  return found;
};
const props = (from: CfnTemplate, id: string) => resource(from, id).Properties ?? {};
const functionId = (name: string) => `${name[0]?.toUpperCase()}${name.slice(1)}LambdaFunction`;
const envOf = (from: CfnTemplate, name: string): Record<string, unknown> =>
  props(from, functionId(name)).Environment.Variables;
const roleOf = (from: CfnTemplate, name: string): string => {
  const role = render(props(from, functionId(name)).Role);
  return role.replace(/^\{(.+)\.Arn\}$/, '$1');
};
const allowed = (statements: Statement[]) => statements.filter((s) => s.effect === 'Allow');
const actionsOf = (statements: Statement[]) =>
  new Set(allowed(statements).flatMap((s) => s.actions));
const grantsFor = (statements: Statement[], action: string) =>
  allowed(statements).filter((s) => s.actions.includes(action));

beforeAll(async () => {
  packaged = await packageService({
    stage: STAGE,
    params: { twilioAccountSid: ACCOUNT_SID },
    env: CANARIES,
  });
  scratchDirs.push(packaged.artifactDir, packaged.homeDir);
  template = resolveConditions(packaged.template);
  // Read now: the second packaging run rewrites .esbuild/.
  for (const name of FUNCTIONS) {
    const meta = JSON.parse(await readFile(join(ESBUILD_OUTPUT_DIR, `${name}-meta.json`), 'utf8'));
    const output = Object.entries(meta.outputs).find(([file]) => file.endsWith(`${name}.mjs`));
    if (!output) throw new Error(`no ${name}.mjs in the esbuild metafile`);
    const code = await readFile(join(ESBUILD_OUTPUT_DIR, `${name}.mjs`), 'utf8');
    const { bytes, inputs } = output[1] as {
      bytes: number;
      inputs: Record<string, { bytesInOutput: number }>;
    };
    // Parsed is not shipped: tree shaking drops what no handler reaches.
    const shipped = Object.entries(inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([file]) => file);
    bundles.set(name, { bytes, inputs: Object.keys(meta.inputs), shipped, code });
  }
  console.info(
    `bundle sizes: ${FUNCTIONS.map((name) => `${name} ${bundles.get(name)?.bytes} B`).join(', ')}`,
  );
  const variantPackage = await packageService({ stage: 'variant', params: VARIANT_PARAMS });
  scratchDirs.push(variantPackage.artifactDir, variantPackage.homeDir);
  variant = resolveConditions(variantPackage.template);
  variantDir = variantPackage.artifactDir;
  variantTemplate = variantPackage;
}, 400_000);

afterAll(async () => {
  await Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('Lambda functions', () => {
  it('run Node.js 24 on arm64, one explicit role each', () => {
    // Assess
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(FUNCTIONS.map(functionId).sort());
    for (const [, fn] of functions) {
      expect(fn.Properties?.Runtime).toBe('nodejs24.x');
      expect(fn.Properties?.Architectures).toEqual(['arm64']);
    }
    const roles = FUNCTIONS.map((name) => roleOf(template, name));
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
    for (const role of roles) expect(resource(template, role).Type).toBe('AWS::IAM::Role');
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('point at handlers the bundles export', () => {
    // Assess
    for (const name of FUNCTIONS) {
      expect(props(template, functionId(name)).Handler).toBe(`functions/${name}.handler`);
      expect(bundles.get(name)?.code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}/);
    }
  });

  it('give the webhook a short timeout and little memory, behind POST /twilio/messages', () => {
    // Assess
    const webhook = props(template, 'WebhookLambdaFunction');
    // Twilio abandons a webhook after 15 s.
    expect(webhook.Timeout).toBeLessThanOrEqual(15);
    expect(webhook.MemorySize).toBeLessThanOrEqual(256);
    const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route');
    // GET reaches the Lambda only to be told to use POST.
    expect(routes.map(([, route]) => route.Properties?.RouteKey).sort()).toEqual([
      'GET /twilio/messages',
      'POST /twilio/messages',
    ]);
  });

  it('cap what a flood on the public webhook can cost: stage throttling, reserved concurrency', () => {
    // Assess
    const stage = props(template, 'HttpApiStage');
    expect(stage.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
    expect(props(template, 'WebhookLambdaFunction').ReservedConcurrentExecutions).toBe(10);
    // The archiver's cap is its event source mapping's maximum concurrency, not a reservation.
    expect(props(template, 'ArchiverLambdaFunction').ReservedConcurrentExecutions).toBeUndefined();
    // Per stage: params change all three (a --param arrives as a string; CloudFormation takes it).
    const { ThrottlingRateLimit, ThrottlingBurstLimit } = props(
      variant,
      'HttpApiStage',
    ).DefaultRouteSettings;
    expect([Number(ThrottlingRateLimit), Number(ThrottlingBurstLimit)]).toEqual([5, 20]);
    expect(Number(props(variant, 'WebhookLambdaFunction').ReservedConcurrentExecutions)).toBe(3);
  });

  it('schedule the reconcile function', () => {
    // Assess
    const rules = resourcesOfType(template, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const rule = rules[0]?.[1].Properties ?? {};
    expect(rule.ScheduleExpression).toMatch(/^(rate|cron)\(/);
    expect(render(rule.Targets[0].Arn)).toBe('{ReconcileLambdaFunction.Arn}');
  });

  it('carry Powertools settings and keep logs for a bounded time', () => {
    // Assess
    for (const name of FUNCTIONS) {
      expect(envOf(template, name)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'twilio-media-archiver',
        POWERTOOLS_METRICS_NAMESPACE: 'TwilioMediaArchiver',
        POWERTOOLS_LOG_LEVEL: expect.stringMatching(/^(DEBUG|INFO|WARN|ERROR)$/),
      });
    }
    const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThanOrEqual(FUNCTIONS.length + 1);
    for (const [, group] of logGroups) {
      expect(group.Properties?.RetentionInDays).toBeGreaterThan(0);
    }
    expect(props(template, 'HttpApiStage').AccessLogSettings).toBeDefined();
  });
});

describe('media queue and its event source mapping', () => {
  it('delivers batches of 20 with a window, partial failures and a concurrency cap', () => {
    // Assess
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]?.[1].Properties ?? {};
    expect(render(mapping.EventSourceArn)).toBe('{MediaQueue.Arn}');
    expect(render(mapping.FunctionName)).toBe('{ArchiverLambdaFunction.Arn}');
    expect(mapping.BatchSize).toBe(20);
    // A batch larger than 10 is refused without a window.
    expect(mapping.MaximumBatchingWindowInSeconds).toBeGreaterThan(0);
    // The whole batch in flight (bench/README.md, "In flight per invocation").
    expect(Number(envOf(template, 'archiver').ARCHIVER_CONCURRENCY)).toBe(mapping.BatchSize);
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
    // Each invocation fetches ARCHIVER_CONCURRENCY media at once: the product caps Twilio load.
    const twilioRequests =
      mapping.ScalingConfig.MaximumConcurrency *
      Number(envOf(template, 'archiver').ARCHIVER_CONCURRENCY);
    expect(twilioRequests).toBeLessThanOrEqual(50);
  });

  it('hides a message for at least 6 × the archiver timeout plus the batching window', () => {
    // Assess
    const { Timeout } = props(template, 'ArchiverLambdaFunction');
    const mapping = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')[0]?.[1];
    const window = mapping?.Properties?.MaximumBatchingWindowInSeconds;
    expect(Timeout).toBeGreaterThanOrEqual(60);
    expect(props(template, 'MediaQueue').VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * Timeout + window,
    );
  });

  it('dead-letters after 5 receives into an SSE queue that keeps messages 14 days', () => {
    // Assess
    const queue = props(template, 'MediaQueue');
    expect(render(queue.RedrivePolicy.deadLetterTargetArn)).toBe('{DeadLetterQueue.Arn}');
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(5);
    // The archiver's last attempt must know it is the last.
    expect(envOf(template, 'archiver').MAX_RECEIVE_COUNT).toBe('5');
    const dlq = props(template, 'DeadLetterQueue');
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    for (const id of ['MediaQueue', 'DeadLetterQueue']) {
      const encrypted =
        props(template, id).SqsManagedSseEnabled === true ||
        props(template, id).KmsMasterKeyId !== undefined;
      expect(encrypted).toBe(true);
    }
  });

  it('refuses plain-HTTP access to both queues', () => {
    // Assess
    const policy = props(template, 'QueuesTlsOnlyPolicy');
    expect(policy.Queues.map(render).sort()).toEqual(['{DeadLetterQueue}', '{MediaQueue}']);
    expect(policy.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });
});

describe('who may enqueue media jobs', () => {
  /** The ARNs the media queue's Deny exempts, as CloudFormation would resolve them. */
  const exemptSenders = (from: CfnTemplate): string[] => {
    const policy = props(from, 'QueuesTlsOnlyPolicy');
    const deny = policy.PolicyDocument.Statement.find(
      (s: { Sid?: string }) => s.Sid === 'OnlyNamedSendersEnqueueMediaJobs',
    );
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': ['MediaQueue', 'Arn'] },
    });
    const [separator, joined] = deny.Condition.ArnNotLike['aws:PrincipalArn']['Fn::Split'];
    return [...new Set(render(joined).split(separator))].sort();
  };
  /** Every role of the stack whose own policy lets it send to the media queue. */
  const rolesSendingToMediaQueue = (from: CfnTemplate) =>
    resourcesOfType(from, 'AWS::IAM::Role')
      .filter(([id]) =>
        grantsFor(statementsOf(from, id), 'sqs:SendMessage').some((s) =>
          s.resources.includes('{MediaQueue.Arn}'),
        ),
      )
      .map(([id]) => `{${id}.Arn}`)
      .sort();

  it('denies sqs:SendMessage to the media queue to every role but the webhook, events and reconcile', () => {
    // Assess
    expect(exemptSenders(template)).toEqual([
      '{EventsRole.Arn}',
      '{ReconcileRole.Arn}',
      '{WebhookRole.Arn}',
    ]);
    expect(rolesSendingToMediaQueue(template)).toEqual(exemptSenders(template));
  });

  it('adds the operators’ roles named by mediaQueueSenders, and denies nothing else', () => {
    // Assess
    expect(exemptSenders(variant)).toEqual([
      'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*',
      'arn:aws:iam::123456789012:role/ops-backfill',
      '{EventsRole.Arn}',
      '{ReconcileRole.Arn}',
      '{WebhookRole.Arn}',
    ]);
    expect(rolesSendingToMediaQueue(variant)).toEqual(
      exemptSenders(variant).filter((arn) => arn.startsWith('{')),
    );
    const statements = props(variant, 'QueuesTlsOnlyPolicy').PolicyDocument.Statement;
    expect(statements.filter((s: { Effect: string }) => s.Effect !== 'Deny')).toEqual([]);
    expect(
      statements
        .filter((s: { Sid?: string }) => s.Sid !== 'DenyInsecureTransport')
        .map((s: { Action: unknown }) => s.Action),
    ).toEqual(['sqs:SendMessage']);
  });
});

describe('archive bucket', () => {
  it('is private, owner-enforced, versioned and retained', () => {
    // Assess
    const bucket = resource(template, 'ArchiveBucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    expect(bucket.Properties?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties?.OwnershipControls).toEqual({
      Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
    });
    expect(bucket.Properties?.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('encrypts with a retained, rotating KMS key of its own by default', () => {
    // Assess
    const [rule] = props(template, 'ArchiveBucket').BucketEncryption
      .ServerSideEncryptionConfiguration;
    expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(render(rule.ServerSideEncryptionByDefault.KMSMasterKeyID)).toBe('{ArchiveKey.Arn}');
    const key = resource(template, 'ArchiveKey');
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    // Objects in the retained bucket would be unreadable without their key.
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('switches to SSE-S3 without any KMS key or grant when asked', () => {
    // Assess
    const [rule] = props(variant, 'ArchiveBucket').BucketEncryption
      .ServerSideEncryptionConfiguration;
    expect(rule.ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    expect(variant.Resources.ArchiveKey).toBeUndefined();
    expect(actionsOf(statementsOf(variant, 'ArchiverRole')).has('kms:GenerateDataKey')).toBe(false);
    expect(props(variant, 'ArchiveBucket').BucketName).toBe(VARIANT_PARAMS.bucketName);
  });

  it('denies every request made without TLS', () => {
    // Assess
    const policy = props(template, 'ArchiveBucketPolicy');
    expect(render(policy.Bucket)).toBe('{ArchiveBucket}');
    const deny = policy.PolicyDocument.Statement.find(
      (statement: { Effect: string }) => statement.Effect === 'Deny',
    );
    expect(deny).toMatchObject({
      Principal: '*',
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(deny.Resource.map(render).sort()).toEqual([
      '{ArchiveBucket.Arn}',
      '{ArchiveBucket.Arn}/*',
    ]);
  });

  it('lets no principal but the archiver write under the media prefix', () => {
    // Assess
    for (const from of [template, variant]) {
      const statements = props(from, 'ArchiveBucketPolicy').PolicyDocument.Statement;
      const deny = statements.find((s: { Sid?: string }) => s.Sid === 'OnlyTheArchiverWritesMedia');
      expect(deny).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:PutObject' });
      expect(render(deny.Resource)).toBe('{ArchiveBucket.Arn}/media/*');
      expect(Object.keys(deny.Condition)).toEqual(['ArnNotEquals']);
      expect(Object.keys(deny.Condition.ArnNotEquals)).toEqual(['aws:PrincipalArn']);
      expect(deny.Condition.ArnNotEquals['aws:PrincipalArn'].map(render)).toEqual([
        '{ArchiverRole.Arn}',
        '{ReconcileRole.Arn}',
      ]);
      expect(roleOf(from, 'archiver')).toBe('ArchiverRole');
      // Reconcile's exception covers its status object only.
      const reconcile = statements.find(
        (s: { Sid?: string }) => s.Sid === 'ReconcileWritesOnlyItsStatus',
      );
      expect(reconcile).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:PutObject' });
      expect(render(reconcile.NotResource)).toBe(
        '{ArchiveBucket.Arn}/media/_status/reconcile.json',
      );
      expect(render(reconcile.Condition.ArnEquals['aws:PrincipalArn'])).toBe('{ReconcileRole.Arn}');
    }
  });

  it('moves media to a colder class after N days and expires old versions', () => {
    // Assess
    const rules = props(template, 'ArchiveBucket').LifecycleConfiguration.Rules;
    const transition = rules.find((rule: { Transitions?: unknown }) => rule.Transitions);
    expect(transition.Status).toBe('Enabled');
    expect(transition.Transitions[0]).toEqual({
      StorageClass: expect.stringMatching(
        /^(STANDARD_IA|ONEZONE_IA|INTELLIGENT_TIERING|GLACIER_IR|GLACIER|DEEP_ARCHIVE)$/,
      ),
      TransitionInDays: expect.any(Number),
    });
    const noncurrent = rules.find(
      (rule: { NoncurrentVersionExpiration?: unknown }) => rule.NoncurrentVersionExpiration,
    );
    expect(noncurrent.NoncurrentVersionExpiration.NoncurrentDays).toBeGreaterThan(0);
  });
});

describe('privacy and retention', () => {
  it('read the participant key only in the functions that see From/To, and only when set', () => {
    // Assess
    const keyArn = `${SSM_ARN}/custom/participant-key`;
    const readers = (from: CfnTemplate, name: string) =>
      grantsFor(statementsOf(from, roleOf(from, name)), 'ssm:GetParameters').flatMap(
        (s) => s.resources,
      );
    for (const name of ['webhook', 'reconcile', 'events']) {
      expect(envOf(variant, name).ARCHIVE_PARTICIPANT_KEY_PARAMETER).toBe(
        '/custom/participant-key',
      );
      expect(readers(variant, name)).toContain(keyArn);
    }
    expect(readers(variant, 'archiver')).not.toContain(keyArn);
    expect(envOf(template, 'webhook').ARCHIVE_PARTICIPANT_KEY_PARAMETER).toBe('');
    expect(readers(template, 'webhook').some((arn) => arn.includes('participant'))).toBe(false);
  });

  it('expire objects after retentionYears (leap days included), and never without it', () => {
    // Assess
    const retentionRule = (from: CfnTemplate) =>
      props(from, 'ArchiveBucket').LifecycleConfiguration.Rules.find(
        (rule: { Id?: string }) => rule.Id === 'expire-after-retention',
      );
    expect(retentionRule(template)).toBeUndefined();
    expect(retentionRule(variant)).toEqual({
      Id: 'expire-after-retention',
      Status: 'Enabled',
      ExpirationInDays: { Ref: 'RetentionDays' },
    });
    expect(String(variant.Parameters?.RetentionDays?.Default)).toBe('2557');
  });
});

describe('athena (find --participant --athena)', () => {
  const ATHENA_TYPES = ['AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Athena::WorkGroup'];

  it('is off by default: no table, no workgroup, no results bucket', () => {
    // Assess
    for (const type of ATHENA_TYPES) expect(resourcesOfType(template, type)).toEqual([]);
    expect(template.Resources.AthenaResultsBucket).toBeUndefined();
    expect(template.Outputs?.AthenaWorkGroup).toBeUndefined();
  });

  it('projects the records-only prefix by account (injected), year, month and day', () => {
    // Assess
    const database = props(variant, 'AthenaDatabase').DatabaseInput;
    const table = props(variant, 'AthenaRecordsTable');
    const input = table.TableInput;
    expect(database.Name).toBe('twilio_media_archiver_variant');
    expect(render(table.DatabaseName)).toBe('{AthenaDatabase}');
    expect(input.PartitionKeys.map((key: { Name: string }) => key.Name)).toEqual([
      'account',
      'year',
      'month',
      'day',
    ]);
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.account.type': 'injected',
      'projection.year.type': 'integer',
      'projection.month.range': '1,12',
      'projection.month.digits': '2',
      'projection.day.range': '1,31',
      'projection.day.digits': '2',
    });
    // Athena's own placeholders, left for it to fill at query time.
    const placeholders = ['account', 'year', 'month', 'day'].map((name) => `\${${name}}`);
    expect(render(input.Parameters['storage.location.template'])).toBe(
      `s3://{ArchiveBucket}/media/_records/${placeholders.join('/')}/`,
    );
    expect(render(input.StorageDescriptor.Location)).toBe('s3://{ArchiveBucket}/media/_records/');
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      'org.openx.data.jsonserde.JsonSerDe',
    );
    const columns = input.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name);
    expect(columns).toEqual(expect.arrayContaining(['accountsid', 'messagesid', 'receivedat']));
    expect(columns).not.toEqual(expect.arrayContaining(['from']));
    expect(columns).not.toContain('to');
    expect(columns).not.toContain('body');
  });

  it('caps what a query scans in an enforced workgroup that writes to a private, expiring bucket', () => {
    // Assess
    const workGroup = props(variant, 'AthenaWorkGroup').WorkGroupConfiguration;
    expect(workGroup.EnforceWorkGroupConfiguration).toBe(true);
    expect(workGroup.BytesScannedCutoffPerQuery).toEqual({ Ref: 'AthenaBytesScannedCutoff' });
    expect(String(variant.Parameters?.AthenaBytesScannedCutoff?.Default)).toBe('2000000000');
    expect(String(packaged.template.Parameters?.AthenaBytesScannedCutoff?.Default)).toBe(
      '10000000000',
    );
    expect(render(workGroup.ResultConfiguration.OutputLocation)).toBe(
      's3://{AthenaResultsBucket}/results/',
    );
    const bucket = props(variant, 'AthenaResultsBucket');
    expect(Object.values(bucket.PublicAccessBlockConfiguration)).toEqual([true, true, true, true]);
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
    });
    expect(bucket.LifecycleConfiguration.Rules).toContainEqual({
      Id: 'expire-query-results',
      Status: 'Enabled',
      ExpirationInDays: 7,
    });
    const tls = props(variant, 'AthenaResultsBucketPolicy').PolicyDocument.Statement[0];
    expect(tls).toMatchObject({
      Effect: 'Deny',
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(Object.keys(variant.Outputs ?? {})).toEqual(
      expect.arrayContaining(['AthenaWorkGroup', 'AthenaDatabase', 'AthenaTable']),
    );
  });
});

describe('IAM', () => {
  it('grants no wildcard action and no S3 delete to any role', () => {
    // Assess
    for (const [roleId] of resourcesOfType(template, 'AWS::IAM::Role')) {
      const role = resource(template, roleId);
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
      for (const action of actionsOf(statementsOf(template, roleId))) {
        expect(action).not.toMatch(/\*/);
        expect(action).not.toMatch(/^s3:Delete/i);
      }
    }
  });

  it('lets the webhook only enqueue to the media queue and read its tokens', () => {
    // Assess
    const statements = statementsOf(template, roleOf(template, 'webhook'));
    expect([...actionsOf(statements)].sort()).toEqual([
      'kms:Decrypt',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
      'ssm:GetParameters',
    ]);
    expect(grantsFor(statements, 'sqs:SendMessage').flatMap((s) => s.resources)).toEqual([
      '{MediaQueue.Arn}',
    ]);
    expect(grantsFor(statements, 'ssm:GetParameters').flatMap((s) => s.resources)).toEqual([
      `${SSM_ARN}${PARAMETER_PREFIX}/twilio-auth-token`,
    ]);
    const previous = statementsOf(variant, roleOf(variant, 'webhook'));
    expect(grantsFor(previous, 'ssm:GetParameters').flatMap((s) => s.resources)).toContain(
      `${SSM_ARN}/custom/previous-token`,
    );
  });

  it('serves subaccounts with nothing per tenant: one variable, the main credentials only', () => {
    // Assess
    for (const name of FUNCTIONS) {
      expect(envOf(template, name).TWILIO_SUBACCOUNTS).toBe('none');
      expect(envOf(variant, name).TWILIO_SUBACCOUNTS).toBe('all');
    }
    const statements = statementsOf(variant, roleOf(variant, 'webhook'));
    expect(
      grantsFor(statements, 'ssm:GetParameters')
        .flatMap((s) => s.resources)
        .sort(),
    ).toEqual(
      [
        `${SSM_ARN}${PARAMETER_PREFIX.replace(STAGE, 'variant')}/twilio-auth-token`,
        `${SSM_ARN}/custom/previous-token`,
        `${SSM_ARN}/custom/participant-key`,
      ].sort(),
    );
  });

  it('lets the archiver write and read the archive prefix, consume the queue, and no more', () => {
    // Assess
    const statements = statementsOf(template, roleOf(template, 'archiver'));
    const objectActions = ['s3:PutObject', 's3:GetObject'];
    for (const action of objectActions) {
      expect(grantsFor(statements, action).flatMap((s) => s.resources)).toEqual([
        '{ArchiveBucket.Arn}/media/*',
      ]);
    }
    expect(grantsFor(statements, 's3:ListBucket').flatMap((s) => s.resources)).toEqual([
      '{ArchiveBucket.Arn}',
    ]);
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) {
      expect(grantsFor(statements, action).flatMap((s) => s.resources)).toEqual([
        '{MediaQueue.Arn}',
      ]);
    }
    expect(grantsFor(statements, 'sqs:SendMessage').flatMap((s) => s.resources)).toEqual([
      '{DeadLetterQueue.Arn}',
    ]);
    expect(grantsFor(statements, 'kms:GenerateDataKey').flatMap((s) => s.resources)).toEqual([
      '{ArchiveKey.Arn}',
    ]);
    expect([...actionsOf(statements)].filter((action) => action.startsWith('s3:')).sort()).toEqual([
      's3:GetBucketVersioning',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });

  it('lets reconcile list the archive prefix, HEAD objects under it, enqueue and record its status, never write media', () => {
    // Assess: a listed key is no proof (issue 12), so presence HEADs (GetObject) under the prefix.
    const statements = statementsOf(template, roleOf(template, 'reconcile'));
    const [list] = grantsFor(statements, 's3:ListBucket');
    expect(list?.condition).toEqual({ StringLike: { 's3:prefix': 'media/*' } });
    expect(grantsFor(statements, 's3:GetObject').flatMap((s) => s.resources)).toEqual([
      '{ArchiveBucket.Arn}/media/*',
    ]);
    expect(grantsFor(statements, 's3:PutObject').flatMap((s) => s.resources)).toEqual([
      '{ArchiveBucket.Arn}/media/_status/reconcile.json',
    ]);
    expect(grantsFor(statements, 'sqs:SendMessage').flatMap((s) => s.resources)).toEqual([
      '{MediaQueue.Arn}',
    ]);
  });

  it('decrypts SSM parameters only through SSM', () => {
    // Assess
    for (const name of FUNCTIONS) {
      for (const grant of grantsFor(
        statementsOf(template, roleOf(template, name)),
        'kms:Decrypt',
      )) {
        if (grant.resources.includes('{ArchiveKey.Arn}')) continue;
        expect(grant.condition?.StringEquals?.['kms:ViaService']).toBeDefined();
      }
    }
  });
});

describe('secrets', () => {
  it('keeps only SSM parameter names in the template, never a value', () => {
    // Assess
    for (const canary of Object.values(CANARIES)) {
      expect(packaged.templateText).not.toContain(canary);
      expect(packaged.stateText).not.toContain(canary);
    }
    for (const name of FUNCTIONS) {
      const env = envOf(template, name);
      for (const secret of Object.keys(CANARIES)) expect(env).not.toHaveProperty(secret);
      for (const [key, value] of Object.entries(env)) {
        if (key.endsWith('_PARAMETER')) expect(value).toMatch(/^$|^\//);
      }
    }
    expect(envOf(template, 'webhook').TWILIO_AUTH_TOKEN_PARAMETER).toBe(
      `${PARAMETER_PREFIX}/twilio-auth-token`,
    );
  });

  it('gives the archiver the API key secret instead of the auth token when a key is set', () => {
    // Assess
    for (const name of ['archiver', 'reconcile']) {
      expect(envOf(variant, name)).toMatchObject({
        TWILIO_API_KEY_SID: VARIANT_PARAMS.twilioApiKeySid,
        TWILIO_API_KEY_SECRET_PARAMETER: '/custom/api-key-secret',
        TWILIO_AUTH_TOKEN_PARAMETER: '',
      });
      const statements = statementsOf(variant, roleOf(variant, name));
      // Reconcile also reads the participant key (privacy and retention, above).
      expect(grantsFor(statements, 'ssm:GetParameters').flatMap((s) => s.resources)).toEqual([
        `${SSM_ARN}/custom/api-key-secret`,
        ...(name === 'reconcile' ? [`${SSM_ARN}/custom/participant-key`] : []),
      ]);
    }
  });

  it('validates the account SID at deploy time', () => {
    // Assess
    expect(template.Parameters?.TwilioAccountSid).toMatchObject({
      Default: ACCOUNT_SID,
      AllowedPattern: '^AC[0-9a-fA-F]{32}$',
    });
  });
});

describe('alarms and outputs', () => {
  it('alarm on a non-empty DLQ, old jobs and archiver errors, to a topic', () => {
    // Assess
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(
      ([, alarm]) => alarm.Properties ?? {},
    );
    const find = (metric: string, dimension: string) =>
      alarms.find(
        (alarm) => alarm.MetricName === metric && render(alarm.Dimensions[0].Value) === dimension,
      );
    expect(find('ApproximateNumberOfMessagesVisible', '{DeadLetterQueue.QueueName}')).toMatchObject(
      { Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' },
    );
    expect(find('ApproximateAgeOfOldestMessage', '{MediaQueue.QueueName}')).toBeDefined();
    expect(find('Errors', '{ArchiverLambdaFunction}')).toBeDefined();
    for (const alarm of alarms) expect(alarm.AlarmActions.map(render)).toEqual(['{AlarmTopic}']);
    expect(variant.Resources.AlarmEmailSubscription?.Properties?.Endpoint).toBe('ops@example.com');
    expect(template.Resources.AlarmEmailSubscription).toBeUndefined();
  });

  it('print the webhook URL, bucket and queue URLs', () => {
    // Assess
    const outputs = template.Outputs ?? {};
    expect(render(outputs.WebhookUrl?.Value)).toBe(
      'https://{HttpApi}.execute-api.{AWS::Region}.{AWS::URLSuffix}/twilio/messages',
    );
    expect(render(envOf(template, 'webhook').PUBLIC_WEBHOOK_URL)).toBe(
      render(outputs.WebhookUrl?.Value),
    );
    expect(render(outputs.ArchiveBucketName?.Value)).toBe('{ArchiveBucket}');
    expect(render(outputs.MediaQueueUrl?.Value)).toBe('{MediaQueue}');
    expect(render(outputs.DeadLetterQueueUrl?.Value)).toBe('{DeadLetterQueue}');
    expect(variant.Outputs?.WebhookUrl?.Value).toBe(VARIANT_PARAMS.publicWebhookUrl);
    expect(envOf(variant, 'webhook').PUBLIC_WEBHOOK_URL).toBe(VARIANT_PARAMS.publicWebhookUrl);
  });
});

describe('bundles', () => {
  it('stay within their budgets and never contain the twilio SDK or the Athena client', () => {
    // Assess
    for (const name of FUNCTIONS) {
      const bundle = bundles.get(name);
      expect(bundle?.bytes).toBeLessThanOrEqual(BUDGET_BYTES[name]);
      expect(bundle?.inputs.filter((input) => /node_modules\/twilio\//.test(input))).toEqual([]);
      // The CLI's Athena client (lib/compose/clients.ts) never reaches a Lambda.
      expect(bundle?.shipped.filter((input) => /client-athena\//.test(input))).toEqual([]);
      expect(bundle?.shipped.length).toBeGreaterThan(10);
    }
  });
});

/** File names in a zip's central directory (enough to audit what a Lambda package holds). */
const zipEntries = (zip: Buffer): string[] => {
  const names: string[] = [];
  for (let at = zip.indexOf('PK\x01\x02', 0, 'latin1'); at >= 0; ) {
    const nameLength = zip.readUInt16LE(at + 28);
    names.push(zip.toString('utf8', at + 46, at + 46 + nameLength));
    at = zip.indexOf('PK\x01\x02', at + 46 + nameLength, 'latin1');
  }
  return names;
};

describe('packages', () => {
  it('hold only their own bundle: no metafiles, no other function, no node_modules', async () => {
    for (const name of FUNCTIONS) {
      // Act
      const entries = zipEntries(await readFile(join(packaged.artifactDir, `${name}.zip`)));

      // Assess
      expect(entries).toEqual([`functions/${name}.mjs`]);
    }
  });
});

describe('stage names', () => {
  const packageFails = async (options: Parameters<typeof packageService>[0]) => {
    try {
      const result = await packageService(options);
      scratchDirs.push(result.artifactDir, result.homeDir);
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      return `${stdout}\n${stderr}`;
    }
    throw new Error(`packaging stage ${options.stage} succeeded`);
  };

  it('refuses at package time a stage that makes the default bucket name too long', async () => {
    // Act
    const output = await packageFails({
      stage: 'a'.repeat(19),
      params: { twilioAccountSid: ACCOUNT_SID },
    });

    // Assess: twilio-media-archiver-<stage>-<12-digit account>-us-east-1 ≤ 63 characters.
    expect(output).toContain('ArchiveBucket.BucketName');
    expect(output).toContain('has 64 characters (limit 63)');
    expect(output).toContain('at most 18 characters');
  }, 60_000);

  it('refuses one that makes a role name too long in a long region, even with a bucket name', async () => {
    // Act
    const output = await packageFails({
      stage: 'a'.repeat(18),
      region: 'ap-southeast-1',
      params: { twilioAccountSid: ACCOUNT_SID, bucketName: 'example-media-archive' },
    });

    // Assess: twilio-media-archiver-<stage>-ap-southeast-1-reconcile ≤ 64 characters.
    expect(output).toContain('ReconcileRole.RoleName');
    expect(output).toContain('at most 17 characters');
    expect(output).not.toContain('BucketName');
  }, 60_000);

  it('refuses a missing Twilio account SID in one line that says how to set it', async () => {
    // Act: no --param and no TWILIO_ACCOUNT_SID in the environment.
    const output = await packageFails({
      stage: 'nosid',
      params: {},
      env: { TWILIO_ACCOUNT_SID: '' },
    });

    // Assess
    expect(output).toContain(
      'The Twilio account SID is not set: pass --param="twilioAccountSid=AC…" or export TWILIO_ACCOUNT_SID=AC…',
    );
    expect(output).not.toContain('Variables resolution errored');
  }, 60_000);

  it('refuses upper case, which no S3 bucket name allows', async () => {
    // Act
    const output = await packageFails({ stage: 'Prod', params: { twilioAccountSid: ACCOUNT_SID } });

    // Assess
    expect(output).toContain('use lower-case letters, digits and hyphens only');
  }, 60_000);
});

describe('intake', () => {
  const routeKeys = (from: CfnTemplate) =>
    resourcesOfType(from, 'AWS::ApiGatewayV2::Route').map(
      ([, route]) => route.Properties?.RouteKey,
    );

  it('serves only the webhook by default: no events route, no stream, no role for Twilio', () => {
    // Assess
    // GET only answers a GET-configured webhook with the fix (set the method to POST).
    expect(routeKeys(template).sort()).toEqual(['GET /twilio/messages', 'POST /twilio/messages']);
    expect(resourcesOfType(template, 'AWS::Kinesis::Stream')).toEqual([]);
    expect(template.Resources.TwilioEventStreamsRole).toBeUndefined();
    expect(template.Outputs?.Intake?.Value).toBe('webhook');
    expect(envOf(template, 'events')).toMatchObject({
      EVENT_SINK_USERNAME: '',
      EVENT_SINK_PASSWORD_PARAMETER: '',
    });
  });

  it('adds POST /twilio/events with the sink credentials from SSM for event-streams-webhook', () => {
    // Assess
    expect(routeKeys(variant).sort()).toEqual([
      'GET /twilio/messages',
      'POST /twilio/events',
      'POST /twilio/messages',
    ]);
    expect(envOf(variant, 'events')).toMatchObject({
      EVENT_SINK_USERNAME: 'twilio',
      EVENT_SINK_PASSWORD_PARAMETER: '/custom/sink-password',
      EVENT_SINK_SIGNATURE: 'required',
      MEDIA_QUEUE_URL: { Ref: 'MediaQueue' },
    });
    const statements = statementsOf(variant, roleOf(variant, 'events'));
    expect(grantsFor(statements, 'ssm:GetParameters').flatMap((s) => s.resources)).toContain(
      `${SSM_ARN}/custom/sink-password`,
    );
    expect(render(variant.Outputs?.EventsUrl?.Value)).toBe(
      'https://{HttpApi}.execute-api.{AWS::Region}.{AWS::URLSuffix}/twilio/events',
    );
  });

  it('creates the stream, the role Twilio assumes and the mapping for event-streams-kinesis', () => {
    // Assess
    expect(props(variant, 'EventStream')).toMatchObject({
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 1,
      StreamEncryption: { EncryptionType: 'KMS' },
    });
    const twilioRole = props(variant, 'TwilioEventStreamsRole');
    const [trust] = twilioRole.AssumeRolePolicyDocument.Statement;
    expect(trust).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::177261743968:root' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': '{{resolve:ssm:/custom/external-id}}' } },
    });
    const sinkStatements = statementsOf(variant, 'TwilioEventStreamsRole');
    expect([...actionsOf(sinkStatements)].sort()).toEqual([
      'kinesis:DescribeLimits',
      'kinesis:ListShards',
      'kinesis:PutRecord',
      'kinesis:PutRecords',
    ]);
    expect(sinkStatements.flatMap((s) => s.resources)).toEqual(['{EventStream.Arn}']);
    expect(props(variant, 'EventsKinesisMapping')).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': ['EventsFailureQueue', 'Arn'] } },
      },
    });
    expect(render(props(variant, 'EventsKinesisMapping').FunctionName)).toBe(
      '{EventsLambdaFunction.Arn}',
    );
  });

  it('lets the events function read the stream, enqueue jobs and report failed batches, no more', () => {
    // Assess
    const statements = statementsOf(variant, roleOf(variant, 'events'));
    expect([...actionsOf(statements)].sort()).toEqual([
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamSummary',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
      'kms:Decrypt',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
      'ssm:GetParameters',
    ]);
    expect(
      grantsFor(statements, 'sqs:SendMessage')
        .flatMap((s) => s.resources)
        .sort(),
    ).toEqual(['{EventsFailureQueue.Arn}', '{MediaQueue.Arn}']);
    expect(actionsOf(statementsOf(template, roleOf(template, 'events')))).not.toContain(
      'kinesis:GetRecords',
    );
  });
});

/**
 * The action that creates each resource type the templates hold. A new type with no entry fails
 * the test below, so infra/deployer-policy.json cannot fall behind the template.
 */
const CREATED_BY: Record<string, string> = {
  'AWS::ApiGatewayV2::Api': 'apigateway:POST',
  'AWS::Athena::WorkGroup': 'athena:CreateWorkGroup',
  'AWS::ApiGatewayV2::Integration': 'apigateway:POST',
  'AWS::ApiGatewayV2::Route': 'apigateway:POST',
  'AWS::ApiGatewayV2::Stage': 'apigateway:POST',
  'AWS::CloudWatch::Alarm': 'cloudwatch:PutMetricAlarm',
  'AWS::Events::Rule': 'events:PutRule',
  'AWS::Glue::Database': 'glue:CreateDatabase',
  'AWS::Glue::Table': 'glue:CreateTable',
  'AWS::IAM::Role': 'iam:CreateRole',
  'AWS::Kinesis::Stream': 'kinesis:CreateStream',
  'AWS::KMS::Alias': 'kms:CreateAlias',
  'AWS::KMS::Key': 'kms:CreateKey',
  'AWS::Lambda::EventSourceMapping': 'lambda:CreateEventSourceMapping',
  'AWS::Lambda::Function': 'lambda:CreateFunction',
  'AWS::Lambda::Permission': 'lambda:AddPermission',
  'AWS::Lambda::Version': 'lambda:PublishVersion',
  'AWS::Logs::LogGroup': 'logs:CreateLogGroup',
  'AWS::S3::Bucket': 's3:CreateBucket',
  'AWS::S3::BucketPolicy': 's3:PutBucketPolicy',
  'AWS::SNS::Subscription': 'sns:Subscribe',
  'AWS::SNS::Topic': 'sns:CreateTopic',
  'AWS::SQS::Queue': 'sqs:CreateQueue',
  'AWS::SQS::QueuePolicy': 'sqs:SetQueueAttributes',
};

describe('the deploying identity', () => {
  it('infra/deployer-policy.json allows creating every resource type either template holds', async () => {
    // Prepare
    const policy = JSON.parse(
      await readFile(join(PROJECT_ROOT, 'infra/deployer-policy.json'), 'utf8'),
    );
    const allowed = new Set<string>(
      policy.Statement.filter((s: { Effect: string }) => s.Effect === 'Allow').flatMap(
        (s: { Action: string[] }) => s.Action,
      ),
    );
    const types = new Set(
      [
        ...Object.values(packaged.template.Resources),
        ...Object.values(variantTemplate.template.Resources),
      ].map((resource) => resource.Type),
    );

    // Act
    const missing = [...types].filter(
      (type) => !allowed.has(CREATED_BY[type] ?? `no entry for ${type}`),
    );

    // Assess
    expect(missing).toEqual([]);
    expect(allowed.has('cloudformation:CreateChangeSet')).toBe(true);
    expect([...allowed].some((action) => action.endsWith('*'))).toBe(false);
  });
});

describe('cfn-lint', () => {
  it('finds nothing in the exact files `npm run package` writes, conditions unresolved', () => {
    // Act: what a security review gets, linted from the repository root as a user would.
    const file = 'cloudformation-template-update-stack.json';
    const findings = [
      ...lintFile(join(packaged.artifactDir, file)),
      ...lintFile(join(variantDir, file)),
    ];

    // Assess
    expect(findings).toEqual([]);
  });

  it('finds nothing in either template', () => {
    // Prepare: the on-demand stream, as the variant's provisioned one switched back.
    const onDemand = structuredClone(variant);
    const stream = onDemand.Resources.EventStream?.Properties ?? {};
    stream.StreamModeDetails = { StreamMode: 'ON_DEMAND' };
    delete stream.ShardCount;

    // Act
    const findings = [
      ...lintTemplate(template),
      ...lintTemplate(variant),
      ...lintTemplate(onDemand),
    ];

    // Assess
    expect(findings).toEqual([]);
  });

  it('still reports real mistakes (control)', () => {
    // Prepare
    const broken = structuredClone(template);
    const queue = broken.Resources.MediaQueue?.Properties ?? {};
    queue.VisibilityTimout = queue.VisibilityTimeout;
    const mapping = resourcesOfType(broken, 'AWS::Lambda::EventSourceMapping')[0]?.[1];
    if (mapping?.Properties) mapping.Properties.BatchSize = 'ten';

    // Act
    const findings = lintTemplate(broken).map((finding) => finding.message);

    // Assess
    expect(findings).toContainEqual(expect.stringContaining("'VisibilityTimout' was unexpected"));
    expect(findings).toContainEqual(expect.stringContaining("'ten' is not of type 'integer'"));
  });
});
