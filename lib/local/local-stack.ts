import { createServer as createNetServer } from 'node:net';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createS3Client, createSqsClient } from '../compose/clients.ts';
import { createArchiverDeps, createEventsDeps, createWebhookDeps } from '../compose/lambda.ts';
import { readArchiverConfig, readEventsConfig, readWebhookConfig } from '../config/lambda.ts';
import type { LocalStackConfig } from '../config/local.ts';
import {
  ARCHIVER_TIMEOUT_SECONDS,
  EVENTS_PATH,
  LEGACY_WEBHOOK_PATH,
  LOCAL_AWS_CREDENTIALS,
  LOCAL_DEAD_LETTER_QUEUE,
  LOCAL_MAX_RECEIVE_COUNT,
  LOCAL_MEDIA_QUEUE,
  LOCAL_REGION,
  WEBHOOK_PATH,
} from '../config/local-constants.ts';
import { loadLocalParticipantKey } from '../config/local-participant-key.ts';
import { type ArchiverDeps, createArchiverHandler } from '../handlers/archiver-handler.ts';
import { createEventsHandler } from '../handlers/events-handler.ts';
import { createWebhookHandler } from '../handlers/webhook-handler.ts';
import { loadDemoCredentials } from '../stand-ins/demo-credentials.ts';
import { startFauxqsServer } from '../stand-ins/fauxqs-server.ts';
import {
  type HttpApiHandler,
  type LocalHttpApi,
  startLocalHttpApi,
} from '../stand-ins/http-api-gateway.ts';
import { type LocalS3Server, PortInUseError } from '../stand-ins/s3-server.ts';
import { type SqsPoller, type SqsPollerOptions, startSqsPoller } from '../stand-ins/sqs-poller.ts';
import { type LocalSqsServer, startLocalSqsServer } from '../stand-ins/sqs-server.ts';
import {
  startTwilioEmulator,
  type TwilioEmulator,
  type TwilioEmulatorOptions,
} from '../stand-ins/twilio-emulator.ts';
import { type EventSinkCredentials, loadEventSinkCredentials } from './event-sink-credentials.ts';

/** Event mode: where the emulator's number sends its messages (not the archiver; never called). */
export const CUSTOMER_APP_URL = 'https://app.example.com/twilio/sms';

export interface LocalStack {
  webhookUrl: string;
  /** Event Streams webhook sink (`POST /twilio/events`), without its credentials. */
  eventsUrl: string;
  /** The sink's Basic credentials: EVENT_SINK_USERNAME/PASSWORD, or generated per data dir. */
  eventSink: EventSinkCredentials;
  /** LOCAL_INTAKE: how the emulator's messages reach the archiver. */
  intake: 'webhook' | 'event-streams';
  httpBaseUrl: string;
  s3Endpoint: string;
  sqsEndpoint: string;
  bucket: string;
  /** ARCHIVE_PREFIX as the archiver uses it (`media/` by default). */
  archivePrefix: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  accountSid: string;
  /** Whether the archiver deletes at Twilio (with real credentials: false unless asked for). */
  deleteAfterArchive: boolean;
  /** PUBLIC_WEBHOOK_URL: the URL Twilio is given, which signatures are checked against. */
  publicWebhookUrl?: string;
  /** Set in demo mode (no Twilio credentials configured). */
  emulator?: TwilioEmulator;
  /** The token that signs webhooks (demo mode: the emulator's). */
  authToken: string;
  s3: S3Client;
  sqs: SQSClient;
  s3Server: LocalS3Server;
  poller: SqsPoller;
  close(): Promise<void>;
}

export interface LocalStackHooks {
  /** Wraps the archiver handler (fault injection in tests). */
  wrapArchiver?: (handler: SqsPollerOptions['handler']) => SqsPollerOptions['handler'];
  poller?: Partial<Pick<SqsPollerOptions, 'beforeDelete' | 'onError' | 'concurrency'>>;
  /** Overrides of the Lambdas' environment after the stack wired its own values. */
  lambdaEnv?: Record<string, string>;
  /** Replaces or decorates the archiver's ports (fault injection, shorter Twilio retries). */
  decorateArchiverDeps?: (deps: ArchiverDeps) => ArchiverDeps;
  /** Demo mode: options of the built-in emulator (fixed credentials, faults from the start). */
  emulator?: Omit<TwilioEmulatorOptions, 'apiPort' | 'cdnPort' | 'messagingPort'>;
}

/** Names the variable to change when a port is taken: the one-line error `npm start` prints. */
export class LocalPortInUseError extends Error {
  constructor(port: number, variable: string) {
    super(`port ${port} is already in use: set ${variable} to a free port`);
    this.name = 'LocalPortInUseError';
  }
}

/**
 * Fails fast when the port is taken. local-aws-sqs throws EADDRINUSE as an unhandled 'error'
 * event with a stack trace instead of rejecting, so ask the kernel first (for every port alike).
 */
const assertPortFree = (port: number, variable: string): Promise<void> =>
  port === 0
    ? Promise.resolve()
    : new Promise((resolve, reject) => {
        const probe = createNetServer();
        probe.once('error', (error: NodeJS.ErrnoException) =>
          reject(error.code === 'EADDRINUSE' ? new LocalPortInUseError(port, variable) : error),
        );
        probe.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
          probe.close(() => resolve()),
        );
      });

const withPortVariable = async <T>(variable: string, port: number, start: () => Promise<T>) => {
  await assertPortFree(port, variable);
  try {
    return await start();
  } catch (error) {
    if (error instanceof PortInUseError) throw new LocalPortInUseError(port, variable);
    throw error;
  }
};

const ensureBucket = async (s3: S3Client, bucket: string) => {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
};

const ensureQueues = async (sqs: SQSClient) => {
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: LOCAL_DEAD_LETTER_QUEUE,
      Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) },
    }),
  );
  const dlqUrl = dlq.QueueUrl as string;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: LOCAL_MEDIA_QUEUE,
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes?.QueueArn,
          maxReceiveCount: LOCAL_MAX_RECEIVE_COUNT,
        }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl as string, deadLetterQueueUrl: dlqUrl };
};

/**
 * The whole product on one machine: fauxqs (S3), local-aws-sqs, the real webhook handler behind an
 * HTTP → API Gateway v2 adapter, the real archiver handler behind a Lambda-like SQS poller, and
 * (without Twilio credentials) the Twilio emulator.
 */
export const startLocalStack = async (
  config: LocalStackConfig,
  hooks: LocalStackHooks = {},
): Promise<LocalStack> => {
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const s3Server = await withPortVariable('LOCAL_S3_PORT', config.s3Port, () =>
      startFauxqsServer({ directory: `${config.dataDir}/s3`, port: config.s3Port }),
    );
    closers.push(() => s3Server.close());
    const sqsServer: LocalSqsServer = await withPortVariable('LOCAL_SQS_PORT', config.sqsPort, () =>
      startLocalSqsServer({ port: config.sqsPort }),
    );
    closers.push(() => sqsServer.close());

    let emulator: TwilioEmulator | undefined;
    let twilioEnv: Record<string, string> = {};
    if (!config.twilio) {
      await assertPortFree(config.twilioCdnPort, 'LOCAL_TWILIO_CDN_PORT');
      const demoCredentials = hooks.emulator?.accountSid
        ? {}
        : await loadDemoCredentials(config.dataDir);
      emulator = await withPortVariable('LOCAL_TWILIO_PORT', config.twilioApiPort, () =>
        startTwilioEmulator({
          ...demoCredentials,
          ...hooks.emulator,
          apiPort: config.twilioApiPort,
          cdnPort: config.twilioCdnPort,
        }),
      );
      const started = emulator;
      closers.push(() => started.close());
      if (config.intake === 'event-streams') {
        // A real account's number answers the customer's own app; Event Streams is the only way
        // the archiver hears of its messages (doctor and the README say the same).
        emulator.addPhoneNumber({ smsUrl: CUSTOMER_APP_URL });
      }
      twilioEnv = {
        TWILIO_ACCOUNT_SID: emulator.accountSid,
        TWILIO_AUTH_TOKEN: emulator.authToken,
        TWILIO_API_BASE_URL: emulator.apiBaseUrl,
        // The emulator's CDN is the one media host redirects may lead to.
        TWILIO_MEDIA_ORIGINS: emulator.cdnBaseUrl,
      };
    }

    const s3 = createS3Client({
      endpoint: s3Server.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_AWS_CREDENTIALS,
      forcePathStyle: true,
    });
    const sqs = createSqsClient({
      endpoint: sqsServer.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_AWS_CREDENTIALS,
    });
    closers.push(async () => {
      s3.destroy();
      sqs.destroy();
    });
    await ensureBucket(s3, config.bucket);
    const { queueUrl, deadLetterQueueUrl } = await ensureQueues(sqs);

    const lambdaEnv = {
      // A trial with a real account keeps every media at Twilio unless deletion is asked for: the
      // local copy lives in a directory of the clone that one `rm -rf` loses.
      ...(config.twilio ? { DELETE_AFTER_ARCHIVE: 'false' } : {}),
      // local-aws-sqs counts ChangeMessageVisibility as a receive, which would halve the
      // attempts before the DLQ; locally the poller's short visibility timeout is the backoff.
      RETRY_BACKOFF_SECONDS: '0',
      MAX_RECEIVE_COUNT: String(LOCAL_MAX_RECEIVE_COUNT),
      // Records carry the participants' pseudonyms locally as when deployed (`find --local`).
      ARCHIVE_PARTICIPANT_KEY: await loadLocalParticipantKey(config.dataDir),
      ...config.env,
      ...twilioEnv,
      ARCHIVE_BUCKET: config.bucket,
      MEDIA_QUEUE_URL: queueUrl,
      DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
      S3_FORCE_PATH_STYLE: 'true',
      ...hooks.lambdaEnv,
    };
    const eventSink = await loadEventSinkCredentials(config.dataDir, lambdaEnv);
    const webhookConfig = readWebhookConfig(lambdaEnv);
    const eventsConfig = readEventsConfig({
      ...lambdaEnv,
      EVENT_SINK_USERNAME: eventSink.username,
      EVENT_SINK_PASSWORD: eventSink.password,
    });
    const events = createEventsHandler(
      createEventsDeps(eventsConfig, { sqs }),
    ) as unknown as HttpApiHandler;
    const archiverConfig = readArchiverConfig(lambdaEnv);
    const webhook = createWebhookHandler(
      createWebhookDeps(webhookConfig, { sqs }),
    ) as unknown as HttpApiHandler;
    const archiverDeps = createArchiverDeps(archiverConfig, { s3, sqs });
    const archiver = createArchiverHandler(
      hooks.decorateArchiverDeps ? hooks.decorateArchiverDeps(archiverDeps) : archiverDeps,
    );

    const partial = {
      webhookUrl: '',
      eventsUrl: '',
      eventSink,
      intake: config.intake,
      httpBaseUrl: '',
      s3Endpoint: s3Server.endpoint,
      sqsEndpoint: sqsServer.endpoint,
      bucket: config.bucket,
      archivePrefix: archiverConfig.archivePrefix,
      queueUrl,
      deadLetterQueueUrl,
      accountSid: webhookConfig.accountSid,
      deleteAfterArchive: archiverConfig.deleteAfterArchive,
      ...(webhookConfig.publicWebhookUrl
        ? { publicWebhookUrl: webhookConfig.publicWebhookUrl }
        : {}),
      authToken: webhookConfig.authTokens[0] as string,
      s3,
      sqs,
      s3Server,
      ...(emulator ? { emulator } : {}),
    };
    const http: LocalHttpApi = await withPortVariable('PORT', config.httpPort, () =>
      startLocalHttpApi(
        // The webhook and the event sink: the archive browser has its own port
        // (lib/browser/local-route.ts).
        {
          lambdas: {
            [WEBHOOK_PATH]: webhook,
            [LEGACY_WEBHOOK_PATH]: webhook,
            [EVENTS_PATH]: events,
          },
        },
        { port: config.httpPort },
      ),
    );
    closers.push(() => http.close());
    partial.httpBaseUrl = http.baseUrl;
    partial.webhookUrl = `${http.baseUrl}${WEBHOOK_PATH}`;
    partial.eventsUrl = `${http.baseUrl}${EVENTS_PATH}`;

    const handler = archiver as unknown as SqsPollerOptions['handler'];
    const poller = startSqsPoller({
      client: sqs,
      queueUrl,
      handler: hooks.wrapArchiver ? hooks.wrapArchiver(handler) : handler,
      visibilityTimeoutSeconds: config.visibilityTimeoutSeconds,
      invocationTimeoutSeconds: config.invocationTimeoutSeconds ?? ARCHIVER_TIMEOUT_SECONDS,
      ...hooks.poller,
    });
    // The poller must stop before the servers it talks to.
    closers.push(() => poller.stop());

    return { ...partial, poller, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
};
