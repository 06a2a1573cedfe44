import { ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import {
  type DeployedFunction,
  type DeployedStack,
  type Json,
  queueAttributes,
  readFunction,
  readRole,
  type StandInClients,
} from './deployment.ts';
import {
  EXPECTED,
  FUNCTIONS,
  type FunctionName,
  LOGICAL_ID,
  REGION,
  SECRET_VARIABLES,
  UNRESOLVED_HTTP_API,
} from './expectations.ts';
import type { Report } from './report.ts';

export interface Deployment {
  functions: Record<FunctionName, DeployedFunction>;
  /** The Kinesis intake: the stream Twilio writes to and the events function's mapping. */
  eventStreamName: string;
  eventsMappingUuid: string;
  bucket: string;
  mediaQueueUrl: string;
  deadLetterQueueUrl: string;
  webhookUrl: string;
  mappingUuid: string;
  scheduleRuleArn: string;
}

/** The template's conditions: literals and Parameters (their defaults are the serverless params). */
const evaluateConditions = (
  definitions: Record<string, Json>,
  parameters: Record<string, Json> = {},
): Record<string, boolean> => {
  const values: Record<string, boolean> = {};
  const evaluate = (value: Json): Json => {
    if (typeof value !== 'object' || value === null) return value;
    if (typeof value.Ref === 'string' && value.Ref in parameters) {
      return parameters[value.Ref]?.Default;
    }
    if ('Fn::Equals' in value)
      return evaluate(value['Fn::Equals'][0]) === evaluate(value['Fn::Equals'][1]);
    if ('Fn::Not' in value) return !evaluate(value['Fn::Not'][0]);
    if ('Condition' in value) return values[value.Condition];
    return undefined;
  };
  for (const [name, definition] of Object.entries(definitions)) values[name] = evaluate(definition);
  return values;
};

/** Reads the deployment back and checks what a reviewer would; returns what the run needs. */
export const checkDeployment = async (
  report: Report,
  clients: StandInClients,
  stack: DeployedStack,
  expected: {
    stage: string;
    accountSid: string;
    authToken: string;
    tokenParameter: string;
    externalId: string;
  },
): Promise<Deployment> => {
  const physical = (id: string) => stack.resources.get(id)?.physicalId ?? '';
  if (/^(CREATE|UPDATE)_COMPLETE$/.test(stack.status)) report.pass(`stack ${stack.status}`);
  else report.fail('stack status', stack.status);

  // Resources of the template that the stand-in never created (those whose condition is false
  // are not meant to exist: alarmEmail unset, SSE-S3 instead of KMS, …).
  const conditions = evaluateConditions(
    stack.template.Conditions ?? {},
    stack.template.Parameters ?? {},
  );
  const meant = Object.entries<{ Type: string; Condition?: string }>(
    stack.template.Resources ?? {},
  ).filter(([, resource]) => !resource.Condition || conditions[resource.Condition] !== false);
  const skipped = new Map<string, string[]>();
  for (const [id, resource] of meant) {
    if (!stack.resources.has(id)) {
      skipped.set(resource.Type, [...(skipped.get(resource.Type) ?? []), id]);
    }
  }
  for (const [type, ids] of skipped) {
    report.notShown(`${type} (${ids.join(', ')})`, 'moto has no such resource type');
  }
  report.pass(
    `${meant.length - [...skipped.values()].flat().length} of ${meant.length} template resources created`,
  );

  const bucket = physical('ArchiveBucket');
  const mediaQueueUrl = physical('MediaQueue');
  const deadLetterQueueUrl = physical('DeadLetterQueue');
  const templateOutputs = Object.keys(stack.template.Outputs ?? {});
  for (const key of [
    'WebhookUrl',
    'ArchiveBucketName',
    'MediaQueueUrl',
    'DeadLetterQueueUrl',
    'AlarmTopicArn',
    'ArchiveKeyArn',
  ]) {
    if (!templateOutputs.includes(key))
      report.fail(`output ${key}`, 'not in the deployed template');
  }
  const outputs = stack.outputs;
  if (Object.keys(outputs).length === 0) {
    report.notShown(
      'stack outputs (WebhookUrl, ArchiveBucketName, MediaQueueUrl, …)',
      'moto keeps no outputs after a change-set deploy; their Refs are checked against the resources instead',
    );
  } else {
    report.expectEqual('output ArchiveBucketName', outputs.ArchiveBucketName, bucket);
    report.expectEqual('output MediaQueueUrl', outputs.MediaQueueUrl, mediaQueueUrl);
    report.expectEqual('output DeadLetterQueueUrl', outputs.DeadLetterQueueUrl, deadLetterQueueUrl);
  }
  for (const [key, id] of [
    ['ArchiveBucketName', 'ArchiveBucket'],
    ['MediaQueueUrl', 'MediaQueue'],
    ['DeadLetterQueueUrl', 'DeadLetterQueue'],
    ['AlarmTopicArn', 'AlarmTopic'],
  ] as const) {
    const value = stack.template.Outputs?.[key]?.Value;
    if (value?.Ref === id && physical(id))
      report.pass(`output ${key} = Ref ${id} → ${physical(id)}`);
    else
      report.fail(
        `output ${key}`,
        `expected Ref ${id} to a created resource, got ${JSON.stringify(value)}`,
      );
  }

  // Functions
  const functions = {} as Record<FunctionName, DeployedFunction>;
  const roleArns = {} as Record<FunctionName, string>;
  for (const name of FUNCTIONS) {
    const fn = await readFunction(clients, stack, LOGICAL_ID[name]);
    functions[name] = fn;
    const c = fn.configuration;
    const label = `${name}:`;
    report.expectEqual(`${label} runtime`, c.Runtime, 'nodejs24.x');
    if (c.Architectures?.[0] === 'arm64') report.pass(`${label} arm64`);
    else if (c.Architectures?.[0] === 'x86_64')
      report.notShown(`${label} architecture arm64`, 'moto makes every function x86_64');
    else report.fail(`${label} architecture`, JSON.stringify(c.Architectures));
    report.expectEqual(
      `${label} handler, timeout, memory`,
      [c.Handler, c.Timeout, c.MemorySize],
      [`functions/${name}.handler`, EXPECTED.timeout[name], EXPECTED.memory[name]],
    );
    report.expectEqual(
      `${label} package holds only its bundle`,
      [...fn.files.keys()],
      [`functions/${name}.mjs`],
    );
    if (fn.sha256Matches)
      report.pass(`${label} package read back matches CodeSha256 ${c.CodeSha256}`);
    else report.fail(`${label} package`, `does not match CodeSha256 (${fn.codeSource})`);
    roleArns[name] = c.Role ?? '';
    const env = c.Environment?.Variables ?? {};
    const leaks = Object.entries(env).filter(
      ([key, value]) => SECRET_VARIABLES.includes(key) || value.includes(expected.authToken),
    );
    const badNames = Object.entries(env).filter(
      ([key, value]) => key.endsWith('_PARAMETER') && value !== '' && !value.startsWith('/'),
    );
    if (leaks.length === 0 && badNames.length === 0)
      report.pass(
        `${label} environment holds SSM parameter names only, no secret value (${Object.keys(env).length} variables)`,
      );
    else
      report.fail(
        `${label} environment`,
        `secret material in ${[...leaks, ...badNames].map(([k]) => k).join(', ')}`,
      );
    report.expectEqual(`${label} TWILIO_ACCOUNT_SID`, env.TWILIO_ACCOUNT_SID, expected.accountSid);
    report.expectEqual(
      `${label} TWILIO_AUTH_TOKEN_PARAMETER`,
      env.TWILIO_AUTH_TOKEN_PARAMETER,
      expected.tokenParameter,
    );
    report.expectEqual(`${label} MEDIA_QUEUE_URL`, env.MEDIA_QUEUE_URL, mediaQueueUrl);
    if (name !== 'webhook')
      report.expectEqual(`${label} ARCHIVE_BUCKET`, env.ARCHIVE_BUCKET, bucket);
    if (name === 'archiver') {
      report.expectEqual(
        `${label} DEAD_LETTER_QUEUE_URL`,
        env.DEAD_LETTER_QUEUE_URL,
        deadLetterQueueUrl,
      );
      report.expectEqual(
        `${label} MAX_RECEIVE_COUNT = redrive maxReceiveCount`,
        env.MAX_RECEIVE_COUNT,
        String(EXPECTED.queue.maxReceiveCount),
      );
    }
  }
  const webhookUrl =
    functions.webhook.configuration.Environment?.Variables?.PUBLIC_WEBHOOK_URL ?? '';
  if (webhookUrl.includes(UNRESOLVED_HTTP_API)) {
    report.notShown(
      'WebhookUrl / PUBLIC_WEBHOOK_URL resolved to the HTTP API',
      `moto has no ApiGatewayV2 and leaves ${UNRESOLVED_HTTP_API} in the !Sub; signatures are computed over the value as deployed`,
    );
  } else report.pass(`webhook PUBLIC_WEBHOOK_URL = ${webhookUrl}`);
  report.expectEqual(
    'webhook reserved concurrency',
    functions.webhook.reservedConcurrency,
    EXPECTED.webhookReservedConcurrency,
    'moto dropped ReservedConcurrentExecutions',
  );
  report.notShown(
    `HTTP API stage throttling (rate ${50}/s, burst ${100})`,
    'AWS::ApiGatewayV2::Stage is not created by moto',
  );

  // Event source mapping
  // moto filters by FunctionName only when given the ARN form; list all and match the ARN.
  const listed = await clients.lambda.send(new ListEventSourceMappingsCommand({}));
  const EventSourceMappings = (listed.EventSourceMappings ?? []).filter(
    (m) => m.FunctionArn === functions.archiver.configuration.FunctionArn,
  );
  const mapping = EventSourceMappings[0];
  const mediaAttributes = await queueAttributes(clients.sqs, mediaQueueUrl);
  const dlqAttributes = await queueAttributes(clients.sqs, deadLetterQueueUrl);
  report.expectEqual('event source mappings of the archiver', EventSourceMappings.length, 1);
  report.expectEqual(
    'mapping source = media queue',
    mapping?.EventSourceArn,
    mediaAttributes.QueueArn,
  );
  report.expectEqual('mapping enabled at deploy', mapping?.State, 'Enabled');
  report.expectEqual(
    'mapping batch size, window',
    [mapping?.BatchSize, mapping?.MaximumBatchingWindowInSeconds],
    [EXPECTED.mapping.BatchSize, EXPECTED.mapping.MaximumBatchingWindowInSeconds],
  );
  report.expectEqual(
    'mapping FunctionResponseTypes',
    mapping?.FunctionResponseTypes,
    ['ReportBatchItemFailures'],
    'moto dropped FunctionResponseTypes',
  );
  report.expectEqual(
    'mapping maximum concurrency',
    mapping?.ScalingConfig?.MaximumConcurrency,
    EXPECTED.mapping.MaximumConcurrency,
    'moto dropped ScalingConfig',
  );

  // Queues
  report.expectEqual(
    'media queue visibility, retention',
    [mediaAttributes.VisibilityTimeout, mediaAttributes.MessageRetentionPeriod],
    [EXPECTED.queue.VisibilityTimeout, EXPECTED.queue.MessageRetentionPeriod],
  );
  const redrive = mediaAttributes.RedrivePolicy
    ? JSON.parse(mediaAttributes.RedrivePolicy)
    : undefined;
  report.expectEqual(
    'media queue redrive → DLQ after 5 receives',
    redrive && [redrive.deadLetterTargetArn, Number(redrive.maxReceiveCount)],
    [dlqAttributes.QueueArn, EXPECTED.queue.maxReceiveCount],
  );
  report.expectEqual(
    'both queues SSE-SQS',
    [mediaAttributes.SqsManagedSseEnabled, dlqAttributes.SqsManagedSseEnabled],
    ['true', 'true'],
    'moto dropped SqsManagedSseEnabled',
  );
  report.expectEqual(
    'DLQ retention 14 days',
    dlqAttributes.MessageRetentionPeriod,
    EXPECTED.dlqRetention,
  );
  const allow = dlqAttributes.RedriveAllowPolicy
    ? JSON.parse(dlqAttributes.RedriveAllowPolicy)
    : undefined;
  report.expectEqual(
    'DLQ redrive-allow: the media queue only',
    allow && [allow.redrivePermission, allow.sourceQueueArns],
    ['byQueue', [mediaAttributes.QueueArn]],
    'moto dropped RedriveAllowPolicy',
  );

  // Event Streams (Kinesis intake)
  const eventStreamName = physical('EventStream');
  const failureQueueUrl = physical('EventsFailureQueue');
  const failureQueueArn = failureQueueUrl
    ? (await queueAttributes(clients.sqs, failureQueueUrl)).QueueArn
    : undefined;
  const eventStreamArn = `arn:aws:kinesis:${REGION}:${physicalAccount(mediaAttributes.QueueArn)}:stream/${eventStreamName}`;
  if (eventStreamName) report.pass(`Kinesis stream ${eventStreamName} created`);
  else report.fail('Kinesis stream', 'EventStream was not created');
  const eventsMappings = (listed.EventSourceMappings ?? []).filter(
    (m) => m.FunctionArn === functions.events.configuration.FunctionArn,
  );
  const eventsMapping = eventsMappings[0];
  report.expectEqual('event source mappings of the events function', eventsMappings.length, 1);
  report.expectEqual(
    'events mapping source = the stream',
    eventsMapping?.EventSourceArn,
    eventStreamArn,
  );
  report.expectEqual(
    'events mapping batch size, retries',
    [eventsMapping?.BatchSize, eventsMapping?.MaximumRetryAttempts],
    [EXPECTED.eventsMapping.BatchSize, EXPECTED.eventsMapping.MaximumRetryAttempts],
    'moto dropped MaximumRetryAttempts',
  );
  report.expectEqual(
    'events mapping: partial failures, bisect, on-failure queue',
    [
      eventsMapping?.FunctionResponseTypes,
      eventsMapping?.BisectBatchOnFunctionError,
      eventsMapping?.DestinationConfig?.OnFailure?.Destination,
    ],
    [['ReportBatchItemFailures'], true, failureQueueArn],
    'moto dropped FunctionResponseTypes / BisectBatchOnFunctionError / DestinationConfig',
  );
  const twilioRoleName = physical('TwilioEventStreamsRole');
  if (twilioRoleName) {
    const twilioRole = await readRole(
      clients.iam,
      `arn:aws:iam::${physicalAccount(mediaAttributes.QueueArn)}:role/${twilioRoleName}`,
    );
    report.expectEqual("Twilio's role trusts Twilio's AWS account", twilioRole.trustedPrincipals, [
      'arn:aws:iam::177261743968:root',
    ]);
    const [externalId] = twilioRole.externalIds;
    if (externalId?.startsWith('{{resolve:ssm:')) {
      report.notShown(
        `Twilio's role external ID = the SSM value (${externalId})`,
        'moto leaves {{resolve:ssm:…}} dynamic references unresolved',
      );
    } else {
      report.expectEqual("Twilio's role external ID from SSM", externalId, expected.externalId);
    }
    const twilioActions = [
      ...new Set(
        twilioRole.statements.filter((st) => st.effect === 'Allow').flatMap((st) => st.actions),
      ),
    ].sort();
    report.expectEqual("Twilio's role actions", twilioActions, [
      'kinesis:DescribeLimits',
      'kinesis:ListShards',
      'kinesis:PutRecord',
      'kinesis:PutRecords',
    ]);
  } else report.fail("Twilio's role", 'TwilioEventStreamsRole was not created');

  // Roles
  const parameterArn = `arn:aws:ssm:${REGION}:${physicalAccount(mediaAttributes.QueueArn)}:parameter${expected.tokenParameter}`;
  let noteDone = false;
  for (const name of FUNCTIONS) {
    const role = await readRole(clients.iam, roleArns[name]);
    if (role.pythonLiteral && !noteDone) {
      report.note(
        'moto returns inline policies as Python literals and AWS::NoValue as None; read as JSON with None dropped',
      );
      noteDone = true;
    }
    report.expectEqual(`${name} role trusts`, role.trustedServices, ['lambda.amazonaws.com']);
    const allowed = role.statements.filter((s) => s.effect === 'Allow');
    const actions = [...new Set(allowed.flatMap((s) => s.actions))].sort();
    report.expectEqual(`${name} role actions`, actions, [...EXPECTED.actions[name]]);
    const grants = (action: string) =>
      allowed.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources);
    if (name === 'webhook') {
      report.expectEqual('webhook may send to the media queue only', grants('sqs:SendMessage'), [
        mediaAttributes.QueueArn,
      ]);
      report.expectEqual('webhook may read its token parameter only', grants('ssm:GetParameters'), [
        parameterArn,
      ]);
    }
    if (name === 'archiver') {
      report.expectEqual('archiver may write the media prefix only', grants('s3:PutObject'), [
        `arn:aws:s3:::${bucket}/media/*`,
      ]);
      report.expectEqual('archiver may send to the DLQ only', grants('sqs:SendMessage'), [
        dlqAttributes.QueueArn,
      ]);
    }
    if (name === 'events') {
      report.expectEqual(
        'events may send to the media queue and its failure queue only',
        grants('sqs:SendMessage').sort(),
        [mediaAttributes.QueueArn, failureQueueArn].sort(),
      );
      report.expectEqual('events may read the event stream only', grants('kinesis:GetRecords'), [
        eventStreamArn,
      ]);
    }
    if (name === 'reconcile') {
      report.expectEqual(
        'reconcile may enqueue to the media queue only',
        grants('sqs:SendMessage'),
        [mediaAttributes.QueueArn],
      );
      report.expectEqual('reconcile may write its status object only', grants('s3:PutObject'), [
        `arn:aws:s3:::${bucket}/media/_status/reconcile.json`,
      ]);
    }
  }

  // Bucket
  const encryption = await clients.s3
    .send(new GetBucketEncryptionCommand({ Bucket: bucket }))
    .catch(() => undefined);
  const rule =
    encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  report.expectEqual(
    'archive bucket SSE-KMS with the stack key',
    rule && [rule.SSEAlgorithm, rule.KMSMasterKeyID?.split('/').pop()],
    ['aws:kms', physical('ArchiveKey').split('/').pop()],
    'moto dropped BucketEncryption',
  );
  const versioning = await clients.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  report.expectEqual(
    'archive bucket versioning',
    versioning.Status,
    'Enabled',
    'moto dropped VersioningConfiguration',
  );
  const optional = async (what: string, call: () => Promise<unknown>, why: string) => {
    const found = await call()
      .then(() => true)
      .catch(() => false);
    if (found) report.pass(`archive bucket ${what} present`);
    else report.notShown(`archive bucket ${what}`, why);
  };
  await optional(
    'public access block',
    () => clients.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })),
    'moto dropped PublicAccessBlockConfiguration',
  );
  await optional(
    'lifecycle (Glacier IR after 30 days, old versions expire)',
    () => clients.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })),
    'moto dropped LifecycleConfiguration',
  );
  await optional(
    'policy (TLS only; only the archiver writes media/)',
    () => clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket })),
    'moto skips AWS::S3::BucketPolicy',
  );

  const rule0 = physical('ReconcileEventsRuleSchedule1');
  return {
    functions,
    bucket,
    mediaQueueUrl,
    deadLetterQueueUrl,
    webhookUrl,
    mappingUuid: mapping?.UUID ?? '',
    eventStreamName,
    eventsMappingUuid: eventsMapping?.UUID ?? '',
    scheduleRuleArn: `arn:aws:events:${REGION}:${physicalAccount(mediaAttributes.QueueArn)}:rule/${rule0}`,
  };
};

const physicalAccount = (arn: string | undefined) => arn?.split(':')[4] ?? '000000000000';
