import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { SQSBatchResponse } from 'aws-lambda';
import { makeGif, makePdf, makePng } from '../stand-ins/demo-media.ts';
import { type LocalHttpApi, startLocalHttpApi } from '../stand-ins/http-api-gateway.ts';
import { type MotoServer, startMotoServer } from '../stand-ins/moto-server.ts';
import { type SqsPoller, startSqsPoller } from '../stand-ins/sqs-poller.ts';
import { startTwilioEmulator, type TwilioEmulator } from '../stand-ins/twilio-emulator.ts';
import { incomingMessageFields, postSignedWebhook } from '../stand-ins/webhook-client.ts';
import { checkDeployment } from './check-deployment.ts';
import { checkArchived, startDeployedFunction } from './deployed-functions.ts';
import { createStandInClients, queueAttributes, readStack } from './deployment.ts';
import {
  EXPECTED,
  FROM,
  FUNCTIONS,
  type FunctionName,
  REGION,
  REHEARSAL_INTAKE,
  SERVICE,
  SQS_HOST,
} from './expectations.ts';
import { putRecord, readShardAsLambdaRecords } from './kinesis-wire.ts';
import type { LambdaProcess } from './lambda-process.ts';
import { createReport, type Report } from './report.ts';

const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
const OSLS = join(PROJECT_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
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

const _sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

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
  const externalIdParameter = `/${SERVICE}/${stage}/event-streams-external-id`;
  const externalId = randomBytes(12).toString('hex');
  const closers: Array<() => Promise<unknown>> = [];
  const processes = new Map<FunctionName, LambdaProcess>();
  let moto: MotoServer | undefined;
  let deployed = false;
  let deploySeconds = 0;
  const flows = { webhook: 'not run', events: 'not run', reconcile: 'not run' };
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
    const clients = await createStandInClients(moto.endpoint, REGION);
    const emulator = await startTwilioEmulator({ accountSid, authToken });
    closers.push(() => emulator.close());
    report.note(`Twilio emulator: API ${emulator.apiBaseUrl}, media host ${emulator.cdnBaseUrl}`);

    // docs/DEPLOY.md step 2: the auth token goes into SSM as a SecureString before the deploy.
    await clients.ssm.send(
      new PutParameterCommand({ Name: tokenParameter, Type: 'SecureString', Value: authToken }),
    );
    report.pass(`SSM SecureString ${tokenParameter} created (docs/DEPLOY.md step 2)`);
    // docs/DEPLOY.md "Intake": the Kinesis sink role's external ID, a String read at deploy time.
    await clients.ssm.send(
      new PutParameterCommand({ Name: externalIdParameter, Type: 'String', Value: externalId }),
    );
    report.pass(`SSM String ${externalIdParameter} created (the Kinesis sink's external ID)`);

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
      [
        'deploy',
        '--stage',
        stage,
        '--region',
        REGION,
        `--param=twilioAccountSid=${accountSid}`,
        // A compliance deployment: every archived object must be accepted under a default retention.
        '--param=objectLockMode=GOVERNANCE',
        '--param=objectLockDays=1',
        // Event Streams through Kinesis beside the webhook (docs/DEPLOY.md, "Intake").
        `--param=intake=${REHEARSAL_INTAKE}`,
      ],
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
      externalId,
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
    if (deployment.eventsMappingUuid) {
      await clients.lambda.send(
        new UpdateEventSourceMappingCommand({
          UUID: deployment.eventsMappingUuid,
          Enabled: false,
        }),
      );
      report.note(
        "the events function's Kinesis mapping disabled too; the rehearsal reads the shard and invokes the zip",
      );
    }
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

    section('Event Streams: Kinesis record → events function → SQS → archiver → S3 → DELETE');
    const eventsFn = processes.get('events') as LambdaProcess;
    const outbound = emulator.addMessage({
      direction: 'outbound-api',
      status: 'delivered',
      from: '+14155550100',
      to: FROM,
      media: [{ contentType: 'image/gif', body: makeGif(), filename: 'sent.gif' }],
    });
    // What Twilio's Kinesis sink puts on the stream: one CloudEvent per record, twice
    // (at-least-once delivery).
    const delivered = {
      specversion: '1.0',
      type: 'com.twilio.messaging.message.delivered',
      source: `/2010-04-01/Accounts/${accountSid}/Messages/${outbound.sid}.json`,
      id: `EZ${randomBytes(16).toString('hex')}`,
      dataschema: 'https://events-schemas.twilio.com/Messaging.MessageStatus/8',
      datacontenttype: 'application/json',
      time: new Date().toISOString(),
      data: {
        messageSid: outbound.sid,
        accountSid,
        eventName: 'com.twilio.messaging.message.delivered',
        messageStatus: 'DELIVERED',
        from: '+14155550100',
        to: FROM,
      },
    };
    for (let copy = 0; copy < 2; copy += 1) {
      await putRecord(moto.endpoint, deployment.eventStreamName, delivered, outbound.sid);
    }
    const streamArn = `arn:aws:kinesis:${REGION}:123456789012:stream/${deployment.eventStreamName}`;
    const records = await readShardAsLambdaRecords(
      moto.endpoint,
      deployment.eventStreamName,
      streamArn,
    );
    report.expectEqual(
      'records read back from the stream with a shard iterator',
      records.length,
      2,
    );
    const eventsAnswer = await eventsFn.invoke<{ batchItemFailures: unknown[] }>({
      Records: records,
    });
    report.expectEqual(
      'events function: no batch item failures',
      eventsAnswer.batchItemFailures,
      [],
    );
    await waitFor(
      'the outbound media deleted at Twilio',
      () => outbound.media.every((m) => emulator.deletion(m.sid)),
      30_000,
    );
    await checkArchived(report, clients, deployment.bucket, emulator, outbound.media);
    flows.events = `${outbound.media.length}/${outbound.media.length} outbound media from 2 duplicate records`;

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
    `webhook→SQS→archiver→S3→DELETE ${flows.webhook}, Kinesis events ${flows.events}, reconcile ${flows.reconcile}; ` +
    `stack ${removed ? 'removed' : deployed ? 'NOT removed' : 'not deployed'}; ${(durationMs / 1000).toFixed(1)} s`;
  return { ok, summary, report, durationMs };
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
    '--json',
  ];
  // Exit 1 is expected on moto: it creates no alarms and keeps no outputs after a change-set deploy.
  const { stdout, code } = await promisify(execFile)(process.execPath, args, {
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
  }).then(
    (done) => ({ stdout: done.stdout, code: 0 }),
    (error: { stdout?: string; code?: number }) => ({
      stdout: error.stdout ?? '',
      code: error.code,
    }),
  );
  let checks: { id: string; status: string; summary: string }[];
  try {
    checks = (JSON.parse(stdout) as { checks: typeof checks }).checks;
  } catch {
    report.fail('media-archive doctor', `exit ${code}, no JSON report\n${stdout}`);
    return;
  }
  /** What moto cannot show, and so may fail for that reason alone. */
  const explained: Record<string, RegExp> = {
    alarms: /no CloudWatch alarm/,
    stack: /lacks output (WebhookUrl|DeadLetterQueueUrl)/,
    'twilio-webhook': /no WebhookUrl output/,
    'dead-letter-queue': /no DeadLetterQueueUrl output/,
  };
  for (const check of checks) {
    const why = explained[check.id];
    if (check.status === 'ok') report.pass(`doctor ${check.id}: ${check.summary}`);
    else if (why?.test(check.summary)) report.notShown(`doctor ${check.id}`, check.summary);
    else report.fail(`doctor ${check.id}`, `${check.status}: ${check.summary}`);
  }
  for (const id of ['ssm-parameters', 'twilio-credentials', 'reconcile']) {
    if (!checks.some((check) => check.id === id && check.status === 'ok')) {
      report.fail(`doctor ${id}`, 'must pass against the stand-in');
    }
  }
};
