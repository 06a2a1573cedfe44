import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { SQSBatchResponse } from 'aws-lambda';
import { makeGif, makePdf, makePng } from '../local/demo-media.ts';
import { type LocalHttpApi, startLocalHttpApi } from '../local/http-api-gateway.ts';
import { type SqsPoller, startSqsPoller } from '../local/sqs-poller.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../local/twilio-emulator.ts';
import { incomingMessageFields, postSignedWebhook } from '../local/webhook-client.ts';
import {
  createStandInClients,
  type DeployedFunction,
  type DeployedStack,
  queueAttributes,
  readFunction,
  readRole,
  readStack,
  type StandInClients,
} from './deployment.ts';
import { type LambdaProcess, startLambdaProcess } from './lambda-process.ts';
import { type MotoServer, startMotoServer } from './moto-server.ts';
import { createReport, type Report } from './report.ts';

const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
const OSLS = join(PROJECT_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
const SERVICE = 'twilio-media-archiver';
const REGION = 'us-east-1';
const FUNCTIONS = ['webhook', 'archiver', 'reconcile'] as const;
type FunctionName = (typeof FUNCTIONS)[number];
const LOGICAL_ID = {
  webhook: 'WebhookLambdaFunction',
  archiver: 'ArchiverLambdaFunction',
  reconcile: 'ReconcileLambdaFunction',
} as const;
/** What serverless.yml and infra/ declare; the deployment must say the same. */
const EXPECTED = {
  timeout: { webhook: 10, archiver: 120, reconcile: 600 },
  memory: { webhook: 256, archiver: 512, reconcile: 256 },
  webhookReservedConcurrency: 10,
  mapping: { BatchSize: 10, MaximumBatchingWindowInSeconds: 5, MaximumConcurrency: 5 },
  queue: { VisibilityTimeout: '900', MessageRetentionPeriod: '345600', maxReceiveCount: 5 },
  dlqRetention: '1209600',
  actions: {
    webhook: [
      'kms:Decrypt',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
      'ssm:GetParameters',
    ],
    archiver: [
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
      'ssm:GetParameters',
    ],
    reconcile: [
      'kms:Decrypt',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:ListBucket',
      'sqs:SendMessage',
      'ssm:GetParameters',
    ],
  },
} as const;
const SECRET_VARIABLES = [
  'TWILIO_AUTH_TOKEN',
  'TWILIO_AUTH_TOKEN_PREVIOUS',
  'TWILIO_API_KEY_SECRET',
];
/** The real SQS host moto writes into queue URLs (and so into the functions' environment). */
const SQS_HOST = new RegExp(`^https://sqs\\.${REGION.replace(/-/g, '\\-')}\\.amazonaws\\.com`);
const FROM = '+14155550199';
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's !Sub syntax, left as is by moto.
const UNRESOLVED_HTTP_API = '${HttpApi}';

export interface RehearsalOptions {
  print?: (line: string) => void;
  /** Node binary for the deployed functions (default: the rehearsal's own). */
  nodePath?: string;
  motoCommand?: string;
}

export interface RehearsalResult {
  ok: boolean;
  summary: string;
  report: Report;
  durationMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const waitFor = async (what: string, condition: () => boolean | Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
};

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** `osls …` as a user runs it, against the stand-in, with an empty HOME (no ~/.aws). */
const runOsls = async (args: string[], env: Record<string, string>) => {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(base)) {
    if (/^AWS_/.test(name)) delete base[name];
  }
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [OSLS, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...base, ...env },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 90_000,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`osls ${args[0]} failed:\n${`${stdout}${stderr}`.slice(-1500)}`);
  }
};

const withRedactedSecret = (text: string, secret: string) => text.split(secret).join('«secret»');

/**
 * `npm run rehearse`: deploy the real serverless.yml with the real `osls deploy` onto moto_server,
 * read the deployment back as a reviewer would, run the deployed zips with their deployed
 * environment, drive webhook → SQS → archiver → S3 → DELETE and one reconcile, then remove.
 */
export const rehearse = async (options: RehearsalOptions = {}): Promise<RehearsalResult> => {
  const startedAt = performance.now();
  const print = options.print ?? console.log;
  const report = createReport(print);
  const stage = `r${randomBytes(3).toString('hex')}`;
  const stackName = `${SERVICE}-${stage}`;
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const tokenParameter = `/${SERVICE}/${stage}/twilio-auth-token`;
  const closers: Array<() => Promise<unknown>> = [];
  const processes = new Map<FunctionName, LambdaProcess>();
  let moto: MotoServer | undefined;
  let deployed = false;
  let deploySeconds = 0;
  const flows = { webhook: 'not run', reconcile: 'not run' };
  let removed = false;

  const section = (title: string) => print(`\n${title}`);
  const secretFree = (text: string) => withRedactedSecret(text, authToken);

  try {
    section(`Stand-in: moto_server, stage ${stage}`);
    moto = await startMotoServer(options.motoCommand ? { command: options.motoCommand } : {});
    const motoServer = moto;
    closers.push(() => motoServer.stop());
    report.note(`moto_server on ${moto.endpoint}`);
    // IAM is not enforced: with moto's INITIAL_NO_AUTH_ACTION_COUNT switch its S3 signature check
    // refuses osls's own ListObjectsV2 (a prefix with slashes) as SignatureDoesNotMatch. The role
    // policies are compared statement by statement below instead.
    const clients = createStandInClients(moto.endpoint, REGION);
    const emulator = await startTwilioEmulator({ accountSid, authToken });
    closers.push(() => emulator.close());
    report.note(`Twilio emulator: API ${emulator.apiBaseUrl}, media host ${emulator.cdnBaseUrl}`);

    // docs/DEPLOY.md step 2: the auth token goes into SSM as a SecureString before the deploy.
    await clients.ssm.send(
      new PutParameterCommand({ Name: tokenParameter, Type: 'SecureString', Value: authToken }),
    );
    report.pass(`SSM SecureString ${tokenParameter} created (docs/DEPLOY.md step 2)`);

    section('Deploy: npm run deploy (osls deploy) onto the stand-in');
    const home = await mkdtemp(join(tmpdir(), 'rehearse-home-'));
    closers.push(() => rm(home, { recursive: true, force: true }));
    const oslsEnv = {
      HOME: home,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'rehearsal',
      AWS_SECRET_ACCESS_KEY: 'rehearsal',
      AWS_REGION: REGION,
      SLS_AWS_MONITORING_FREQUENCY: '200',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      REHEARSAL_STAND_IN: '1',
    };
    const deployStarted = performance.now();
    const deployOutput = await runOsls(
      ['deploy', '--stage', stage, '--region', REGION, `--param=twilioAccountSid=${accountSid}`],
      oslsEnv,
    );
    deploySeconds = (performance.now() - deployStarted) / 1000;
    deployed = true;
    if (/Service deployed/.test(deployOutput)) {
      report.pass(`osls deploy: "Service deployed" in ${deploySeconds.toFixed(1)} s`);
    } else report.fail('osls deploy', deployOutput.slice(-800));
    report.note(
      'ValidateTemplate skipped by infra/plugins/stand-in-deploy.cjs (moto rejects a cfn-lint warning)',
    );

    section('Read back: what a reviewer checks');
    const stack = await readStack(clients.cfn, stackName);
    const deployment = await checkDeployment(report, clients, stack, {
      stage,
      accountSid,
      authToken,
      tokenParameter,
    });

    section('Run the deployed zips, each in its own process with its deployed environment');
    const nodePath = options.nodePath ?? process.execPath;
    const nodeVersion = await promisify(execFile)(nodePath, ['--version']).then((r) =>
      r.stdout.trim(),
    );
    if (nodeVersion.startsWith('v24.'))
      report.pass(`functions run on Node ${nodeVersion} (deployed runtime nodejs24.x)`);
    else
      report.note(
        `functions run on Node ${nodeVersion}, not 24: the deployed runtime is nodejs24.x (run under Node 24 for a faithful rehearsal)`,
      );
    const runDir = await mkdtemp(join(tmpdir(), 'rehearse-run-'));
    closers.push(() => rm(runDir, { recursive: true, force: true }));
    const overrides = {
      AWS_ENDPOINT_URL: moto.endpoint,
      TWILIO_API_BASE_URL: emulator.apiBaseUrl,
      // The media-host allow-list (issue 12) would refuse the emulator's loopback CDN otherwise.
      TWILIO_MEDIA_ORIGINS: emulator.cdnBaseUrl,
    };
    report.note(
      `added to each deployed environment: ${Object.entries(overrides)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
    report.note(
      `queue URLs in the environments rewritten from moto's ${SQS_HOST.source.replace(/\\/g, '').slice(1)} to ${moto.endpoint}`,
    );
    report.note(
      '@aws-sdk/client-ssm (left out of the bundles for the runtime to provide) linked from this checkout',
    );
    let initOk = 0;
    for (const name of FUNCTIONS) {
      const fn = deployment.functions[name];
      const started = await startDeployedFunction(
        name,
        fn,
        runDir,
        nodePath,
        overrides,
        moto.endpoint,
      );
      processes.set(name, started);
      closers.push(() => started.stop());
      initOk += 1;
    }
    report.pass(
      `${initOk} functions initialised: configuration read, auth token read from SSM at cold start`,
    );

    // moto's own event source mapping would invoke the archiver through Docker on every send.
    await clients.lambda.send(
      new UpdateEventSourceMappingCommand({ UUID: deployment.mappingUuid, Enabled: false }),
    );
    report.note(
      'deployed event source mapping disabled; a local poller with its settings stands in',
    );
    const webhook = processes.get('webhook') as LambdaProcess;
    const archiver = processes.get('archiver') as LambdaProcess;
    const reconcileFn = processes.get('reconcile') as LambdaProcess;
    const api: LocalHttpApi = await startLocalHttpApi({
      lambdas: { '/twilio/messages': (event) => webhook.invoke(event) },
    });
    closers.push(() => api.close());
    report.note(
      `HTTP API stand-in (HTTP → API Gateway v2 event) on ${api.baseUrl}/twilio/messages`,
    );
    const batches: SQSBatchResponse[] = [];
    const poller: SqsPoller = startSqsPoller({
      client: clients.sqs,
      queueUrl: deployment.mediaQueueUrl,
      functionName: deployment.functions.archiver.configuration.FunctionName ?? 'archiver',
      batchSize: EXPECTED.mapping.BatchSize,
      visibilityTimeoutSeconds: Number(EXPECTED.queue.VisibilityTimeout),
      waitTimeSeconds: 1,
      handler: async (event) => {
        const response = await archiver.invoke<SQSBatchResponse>(event);
        batches.push(response);
        return response;
      },
      onError: (error) => report.fail('archiver invocation', (error as Error).message),
    });
    closers.push(() => poller.stop());

    section('Drive: webhook → SQS → archiver → S3 → DELETE at Twilio');
    const message = emulator.addMessage({
      direction: 'inbound',
      from: FROM,
      to: '+14155550100',
      body: 'Two photos of the delivery',
      media: [
        { contentType: 'image/png', body: makePng(64, 48, [220, 40, 60]), filename: 'porch.png' },
        { contentType: 'application/pdf', body: makePdf('Rehearsal'), filename: 'note.pdf' },
      ],
    });
    const answer = await postSignedWebhook({
      webhookUrl: `${api.baseUrl}/twilio/messages`,
      // Twilio signs the URL it was given: the stack's WebhookUrl, which the webhook also holds.
      signedUrl: deployment.webhookUrl,
      authToken,
      fields: incomingMessageFields({ accountSid, message, from: FROM }),
    });
    report.expectEqual(
      'webhook answer',
      [answer.status, answer.contentType, answer.body],
      [200, 'text/xml', '<Response/>'],
    );
    await waitFor(
      'the webhook media deleted at Twilio',
      () => message.media.every((m) => emulator.deletion(m.sid)),
      30_000,
    );
    await checkArchived(report, clients, deployment.bucket, emulator, message.media);
    flows.webhook = `${message.media.length}/${message.media.length} media`;

    section('Reconcile: one scheduled run catches a webhook Twilio never delivered');
    const missed = emulator.addMessage({
      direction: 'inbound',
      from: FROM,
      to: '+14155550100',
      dateCreated: new Date(Date.now() - 60 * 60_000),
      media: [{ contentType: 'image/gif', body: makeGif(), filename: 'missed.gif' }],
    });
    const counts = await reconcileFn.invoke<Record<string, unknown>>({
      version: '0',
      id: randomBytes(8).toString('hex'),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: new Date().toISOString(),
      region: REGION,
      resources: [deployment.scheduleRuleArn],
      detail: {},
    });
    report.expectEqual(
      'reconcile run: complete, media enqueued',
      [counts.complete, counts.enqueued],
      [true, 1],
    );
    await waitFor(
      'the missed media deleted at Twilio',
      () => Boolean(emulator.deletion(missed.media[0]?.sid ?? '')),
      30_000,
    );
    await checkArchived(report, clients, deployment.bucket, emulator, missed.media);
    flows.reconcile = '1/1 media';

    await poller.stop();
    const failedItems = batches.flatMap((b) => b?.batchItemFailures ?? []);
    report.expectEqual('archiver batches reported no item failures', failedItems.length, 0);
    for (const [label, url] of [
      ['media queue', deployment.mediaQueueUrl],
      ['dead-letter queue', deployment.deadLetterQueueUrl],
    ] as const) {
      const attributes = await queueAttributes(clients.sqs, url);
      report.expectEqual(
        `${label} empty`,
        [attributes.ApproximateNumberOfMessages, attributes.ApproximateNumberOfMessagesNotVisible],
        ['0', '0'],
      );
    }
    for (const [name, fn] of processes) {
      const log = fn.log();
      if (log.includes(authToken)) report.fail(`${name} log`, 'contains the auth token');
      else if (log.includes(FROM)) report.fail(`${name} log`, 'contains a phone number');
      else
        report.pass(
          `${name} log holds neither the auth token nor a phone number (${log.split('\n').length - 1} lines)`,
        );
    }

    section('Doctor');
    await runDoctorAgainstStandIn(report, {
      stage,
      region: REGION,
      endpoint: moto.endpoint,
      emulator,
    });

    section('Remove: osls remove');
    for (const fn of processes.values()) await fn.stop();
    await api.close();
    // osls resolves the whole serverless.yml for a remove too: the account SID is needed again
    // (docs/DEPLOY.md: TWILIO_ACCOUNT_SID in the environment).
    await runOsls(['remove', '--stage', stage, '--region', REGION], {
      ...oslsEnv,
      TWILIO_ACCOUNT_SID: accountSid,
    });
    removed = true;
    const gone = await clients.cfn
      .send(new DescribeStacksCommand({ StackName: stackName }))
      .then((r) => r.Stacks?.[0]?.StackStatus === 'DELETE_COMPLETE')
      .catch((error: Error) => /does not exist/.test(error.message));
    if (gone) report.pass(`stack ${stackName} removed`);
    else report.fail('osls remove', 'the stack is still there');
    const retained = await clients.s3
      .send(new HeadBucketCommand({ Bucket: deployment.bucket }))
      .then(() => true)
      .catch(() => false);
    if (retained) report.pass('archive bucket retained after remove (DeletionPolicy: Retain)');
    else
      report.notShown(
        'archive bucket retained after remove',
        'moto deletes a DeletionPolicy: Retain bucket',
      );
  } catch (error) {
    report.fail(
      'rehearsal stopped',
      secretFree((error as Error).stack ?? String(error)).slice(0, 4000),
    );
    for (const [name, fn] of processes) {
      print(`--- ${name} log (last 3000 characters) ---\n${secretFree(fn.log()).slice(-3000)}`);
    }
    if (moto) print(`--- moto_server (last 1500 characters) ---\n${moto.output().slice(-1500)}`);
    if (deployed && !removed && moto) {
      await runOsls(['remove', '--stage', stage, '--region', REGION], {
        HOME: tmpdir(),
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: 'rehearsal',
        AWS_SECRET_ACCESS_KEY: 'rehearsal',
        AWS_REGION: REGION,
        SLS_AWS_MONITORING_FREQUENCY: '200',
        SLS_TELEMETRY_DISABLED: '1',
        REHEARSAL_STAND_IN: '1',
        TWILIO_ACCOUNT_SID: accountSid,
      })
        .then(() => {
          removed = true;
        })
        .catch(() => undefined);
    }
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }

  const durationMs = performance.now() - startedAt;
  const { passed, failed, notShown } = report.counts;
  const ok = failed === 0;
  const summary =
    `rehearse: ${ok ? 'PASS' : 'FAIL'} — osls deploy onto moto ${deploySeconds.toFixed(1)} s, ` +
    `${passed} checks passed, ${failed} failed, ${notShown} not shown by moto; ` +
    `webhook→SQS→archiver→S3→DELETE ${flows.webhook}, reconcile ${flows.reconcile}; ` +
    `stack ${removed ? 'removed' : deployed ? 'NOT removed' : 'not deployed'}; ${(durationMs / 1000).toFixed(1)} s`;
  return { ok, summary, report, durationMs };
};

interface Deployment {
  functions: Record<FunctionName, DeployedFunction>;
  bucket: string;
  mediaQueueUrl: string;
  deadLetterQueueUrl: string;
  webhookUrl: string;
  mappingUuid: string;
  scheduleRuleArn: string;
}

const checkDeployment = async (
  report: Report,
  clients: StandInClients,
  stack: DeployedStack,
  expected: { stage: string; accountSid: string; authToken: string; tokenParameter: string },
): Promise<Deployment> => {
  const physical = (id: string) => stack.resources.get(id)?.physicalId ?? '';
  if (/^(CREATE|UPDATE)_COMPLETE$/.test(stack.status)) report.pass(`stack ${stack.status}`);
  else report.fail('stack status', stack.status);

  // Resources of the template that the stand-in never created.
  const skipped = new Map<string, string[]>();
  for (const [id, resource] of Object.entries<{ Type: string }>(stack.template.Resources ?? {})) {
    if (!stack.resources.has(id))
      skipped.set(resource.Type, [...(skipped.get(resource.Type) ?? []), id]);
  }
  for (const [type, ids] of skipped)
    report.notShown(`${type} (${ids.join(', ')})`, 'moto has no such resource type');
  report.pass(
    `${stack.resources.size} of ${Object.keys(stack.template.Resources ?? {}).length} template resources created`,
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
    if (name === 'reconcile') {
      report.expectEqual(
        'reconcile may enqueue to the media queue only',
        grants('sqs:SendMessage'),
        [mediaAttributes.QueueArn],
      );
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
    scheduleRuleArn: `arn:aws:events:${REGION}:${physicalAccount(mediaAttributes.QueueArn)}:rule/${rule0}`,
  };
};

const physicalAccount = (arn: string | undefined) => arn?.split(':')[4] ?? '000000000000';

const startDeployedFunction = async (
  name: FunctionName,
  fn: DeployedFunction,
  runDir: string,
  nodePath: string,
  overrides: Record<string, string>,
  endpoint: string,
): Promise<LambdaProcess> => {
  const c = fn.configuration;
  const taskRoot = join(runDir, name);
  for (const [file, bytes] of fn.files) {
    await mkdir(dirname(join(taskRoot, file)), { recursive: true });
    await writeFile(join(taskRoot, file), bytes);
  }
  // The nodejs24.x runtime provides the AWS SDK; the bundles leave client-ssm to it.
  const ssm = await realpath(join(PROJECT_ROOT, 'node_modules', '@aws-sdk', 'client-ssm'));
  await mkdir(join(taskRoot, 'node_modules', '@aws-sdk'), { recursive: true });
  await symlink(ssm, join(taskRoot, 'node_modules', '@aws-sdk', 'client-ssm'), 'dir');
  const deployedEnv = c.Environment?.Variables ?? {};
  const env: Record<string, string> = {
    // What Lambda itself sets in every execution environment.
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EXECUTION_ENV: `AWS_Lambda_${c.Runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: c.FunctionName ?? name,
    AWS_LAMBDA_FUNCTION_VERSION: c.Version ?? '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.MemorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${c.FunctionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'rehearsal',
    AWS_ACCESS_KEY_ID: 'rehearsal',
    AWS_SECRET_ACCESS_KEY: 'rehearsal',
    AWS_SESSION_TOKEN: 'rehearsal',
    LAMBDA_TASK_ROOT: taskRoot,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    // Exactly the deployed environment, queue URLs pointed at the stand-in.
    ...Object.fromEntries(
      Object.entries(deployedEnv).map(([k, v]) => [k, v.replace(SQS_HOST, endpoint)]),
    ),
    ...overrides,
  };
  return startLambdaProcess({
    name,
    functionArn: c.FunctionArn ?? name,
    taskRoot,
    handler: c.Handler ?? `functions/${name}.handler`,
    timeoutSeconds: c.Timeout ?? 30,
    env,
    nodePath,
  });
};

const checkArchived = async (
  report: Report,
  clients: StandInClients,
  bucket: string,
  emulator: TwilioEmulator,
  media: ReadonlyArray<{ sid: string; sha256: string; contentType: string }>,
) => {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2(
    { client: clients.s3 },
    { Bucket: bucket, Prefix: 'media/' },
  )) {
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
  }
  for (const item of media) {
    const key = keys.find((k) => k.includes(item.sid) && !k.includes('_index/'));
    if (!key) {
      report.fail(`media ${item.sid}`, 'not in the archive bucket');
      continue;
    }
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    const deletion = emulator.deletion(item.sid);
    if (sha256Hex(bytes) === item.sha256 && deletion) {
      report.pass(
        `${item.contentType} ${item.sid}: exact bytes in s3://${bucket}/${key}, then DELETE at Twilio`,
      );
    } else {
      report.fail(
        `media ${item.sid}`,
        `bytes match: ${sha256Hex(bytes) === item.sha256}, deleted at Twilio: ${Boolean(deletion)}`,
      );
    }
  }
};

/**
 * Where `media-archive doctor --stage S --region R` runs against the stand-in (issue 14 part 4,
 * written elsewhere). It runs once lib/cli/commands/doctor.ts exists in the tree: AWS calls go to
 * moto, Twilio calls to the emulator, and its exit status is one check.
 */
export const runDoctorAgainstStandIn = async (
  report: Report,
  target: { stage: string; region: string; endpoint: string; emulator: TwilioEmulator },
) => {
  if (!existsSync(join(PROJECT_ROOT, 'lib', 'cli', 'commands', 'doctor.ts'))) {
    report.note('media-archive doctor is not in this tree yet: skipped');
    return;
  }
  const args = [
    join(PROJECT_ROOT, 'bin', 'media-archive.mjs'),
    'doctor',
    '--stage',
    target.stage,
    '--region',
    target.region,
  ];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: target.endpoint,
        AWS_ACCESS_KEY_ID: 'rehearsal',
        AWS_SECRET_ACCESS_KEY: 'rehearsal',
        AWS_REGION: target.region,
        TWILIO_API_BASE_URL: target.emulator.apiBaseUrl,
      },
      timeout: 30_000,
    });
    report.pass(
      `media-archive doctor --stage ${target.stage} --region ${target.region}: exit 0 (${stdout.trim().split('\n').length} checks)`,
    );
  } catch (error) {
    const { stdout = '', code } = error as { stdout?: string; code?: number };
    report.fail('media-archive doctor', `exit ${code}\n${stdout}`);
  }
};
