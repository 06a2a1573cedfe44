import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createS3ArchiveStore } from '../adapters/s3/s3-archive-store.ts';
import { createS3MessageRecordStore } from '../adapters/s3/s3-message-record-store.ts';
import { createSqsDeadLetter } from '../adapters/sqs/sqs-dead-letter.ts';
import { createSqsJobQueue } from '../adapters/sqs/sqs-job-queue.ts';
import { createSqsRetryScheduler } from '../adapters/sqs/sqs-retry-scheduler.ts';
import { createSecretsResolver, type SecretsResolver } from '../adapters/ssm/ssm-secrets.ts';
import { createTwilioAccountDirectory } from '../adapters/twilio/twilio-account-directory.ts';
import {
  createTwilioCatalog,
  type TwilioCatalogOptions,
} from '../adapters/twilio/twilio-catalog.ts';
import {
  createTwilioMediaSource,
  type TwilioMediaSourceOptions,
} from '../adapters/twilio/twilio-media-source.ts';
import { createTwilioMessageRedactor } from '../adapters/twilio/twilio-message-redactor.ts';
import type { ArchiverConfig, EventsConfig, WebhookConfig } from '../config/lambda.ts';
import { type AccountScope, scopeMayInclude } from '../domain/account-scope.ts';
import type { ArchiverDeps } from '../handlers/archiver-handler.ts';
import type { EventsHandlerDeps } from '../handlers/events-handler.ts';
import { logger, metrics } from '../observability.ts';
import type { AccountTokens, JobQueue } from '../ports/pipeline.ts';
import { createAccountTokens } from '../use-cases/account-tokens.ts';
import { createServedAccounts } from '../use-cases/served-accounts.ts';
import { createS3Client, createSqsClient, loadSsmClient } from './clients.ts';

/** The archive bucket's client settings: path style is the only local difference (fauxqs takes AWS's checksum defaults as they are). */
export const archiveS3Settings = (config: Pick<ArchiverConfig, 's3ForcePathStyle'>) =>
  config.s3ForcePathStyle ? { forcePathStyle: true } : {};

/**
 * Composition root: SDK clients are built here, once per cold start, and handed to adapters. The
 * SDK resolves region, credentials and `AWS_ENDPOINT_URL_SQS` itself, so nothing here reads the
 * environment.
 */

/** The process-wide resolver of the Lambdas' `*_PARAMETER` secrets (top-level await at cold start). */
export const resolveSecrets: SecretsResolver = createSecretsResolver({ loadClient: loadSsmClient });

// ---------------------------------------------------------------------------------------------
// Webhook
// ---------------------------------------------------------------------------------------------

export interface WebhookDeps {
  config: WebhookConfig;
  queue: JobQueue;
  tokens?: AccountTokens;
}

export const createWebhookDeps = (
  config: WebhookConfig,
  clients: { sqs?: SQSClient; fetch?: typeof globalThis.fetch } = {},
): WebhookDeps => {
  const deps: WebhookDeps = {
    config,
    queue: createSqsJobQueue({
      client: clients.sqs ?? createSqsClient(),
      queueUrl: config.mediaQueueUrl,
    }),
  };
  const scope = config.subaccounts ?? { kind: 'none' };
  if (scope.kind !== 'none') {
    // Subaccount tokens are read with the main account's primary token, the one secret the
    // webhook already holds: no per-tenant secret is ever configured.
    deps.tokens = createAccountTokens({
      mainAccountSid: config.accountSid,
      mainTokens: config.authTokens,
      scope,
      directory: createTwilioAccountDirectory({
        apiBaseUrl: config.twilioApiBaseUrl ?? 'https://api.twilio.com',
        accountSid: config.accountSid,
        credentials: { username: config.accountSid, password: config.authTokens[0] as string },
        ...(clients.fetch ? { fetch: clients.fetch } : {}),
      }),
    });
  }
  return deps;
};

/**
 * The archiver's "an allowed account": the main account, a listed subaccount, or under `all` any
 * account SID, since the main credentials reach only the main's own subaccounts at Twilio (the
 * webhook, which learns tokens, is where `all` membership is checked).
 */
export const allowedAccountPredicate =
  (mainSid: string, scope: AccountScope | undefined) =>
  (sid: string): boolean =>
    scopeMayInclude(scope ?? { kind: 'none' }, mainSid, sid);

// ---------------------------------------------------------------------------------------------
// Archiver — createArchiverDeps(config) is added here by the archiver work (not part of the
// webhook). Keep it in this section.
// ---------------------------------------------------------------------------------------------

export interface ArchiverClients {
  s3?: S3Client;
  sqs?: SQSClient;
  /** Tests shorten Twilio's retry delays; production keeps the adapter's defaults. */
  twilio?: Pick<TwilioMediaSourceOptions, 'fetch' | 'retry' | 'notFoundRetryDelaysMs'>;
}

/** The Twilio media source of the archiver, the CLI's `--direct` and `--sizes`. */
export const mediaSourceFor = (
  config: ArchiverConfig,
  tuning: ArchiverClients['twilio'] & Pick<TwilioMediaSourceOptions, 'isAllowedAccount'> = {},
) =>
  createTwilioMediaSource({
    apiBaseUrl: config.twilioApiBaseUrl,
    accountSid: config.accountSid,
    credentials: config.credentials,
    mediaOrigins: config.twilioMediaOrigins,
    ...tuning,
  });

export const createArchiverDeps = (
  config: ArchiverConfig,
  clients: ArchiverClients = {},
): ArchiverDeps => {
  const s3 = clients.s3 ?? createS3Client(archiveS3Settings(config));
  const sqs = clients.sqs ?? createSqsClient();
  const isAllowedAccount = allowedAccountPredicate(config.accountSid, config.subaccounts);
  const deps: ArchiverDeps = {
    config,
    isAllowedAccount,
    source: mediaSourceFor(config, { ...clients.twilio, isAllowedAccount }),
    store: createS3ArchiveStore({ client: s3, bucket: config.archiveBucket }),
    records: createS3MessageRecordStore({ client: s3, bucket: config.archiveBucket }),
    logger,
    metrics,
  };
  if (config.redactMessageBody) {
    deps.redactor = createTwilioMessageRedactor({
      apiBaseUrl: config.twilioApiBaseUrl,
      accountSid: config.accountSid,
      isAllowedAccount,
      credentials: config.credentials,
      ...(clients.twilio?.fetch ? { fetch: clients.twilio.fetch } : {}),
      ...(clients.twilio?.retry ? { retry: clients.twilio.retry } : {}),
    });
  }
  if (config.deadLetterQueueUrl) {
    deps.deadLetter = createSqsDeadLetter({ client: sqs, queueUrl: config.deadLetterQueueUrl });
  }
  if (config.mediaQueueUrl && config.retryBackoffSeconds > 0) {
    deps.retryScheduler = createSqsRetryScheduler({ client: sqs, queueUrl: config.mediaQueueUrl });
  }
  return deps;
};

// ---------------------------------------------------------------------------------------------
// Events (Twilio Event Streams: webhook sink and Kinesis sink)
// ---------------------------------------------------------------------------------------------

export interface EventsClients {
  sqs?: SQSClient;
  /** Tests point Twilio calls at the emulator and shorten its retries. */
  twilio?: Pick<TwilioCatalogOptions, 'fetch' | 'retry' | 'sleep' | 'random'>;
}

/**
 * Event handling answers Twilio's webhook sink within 5 s: a Twilio list that does not answer
 * quickly fails the request (Twilio sends it again) rather than waiting out a long backoff.
 */
const EVENTS_TWILIO_TUNING = {
  requestTimeoutMs: 3000,
  retry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 1000 },
} as const;

export const createEventsDeps = (
  config: EventsConfig,
  clients: EventsClients = {},
): EventsHandlerDeps => {
  const { archiver } = config;
  const catalogs = new Map<string, ReturnType<typeof createTwilioCatalog>>();
  const catalogFor = (sid: string) => {
    let catalog = catalogs.get(sid);
    if (!catalog) {
      catalog = createTwilioCatalog({
        apiBaseUrl: archiver.twilioApiBaseUrl,
        accountSid: sid,
        credentials: archiver.credentials,
        archiveMessageBody: archiver.archiveMessageBody === true,
        archiveAddresses: archiver.archiveAddresses === true,
        ...(archiver.participantKey ? { participantKey: archiver.participantKey } : {}),
        ...EVENTS_TWILIO_TUNING,
        ...clients.twilio,
      });
      catalogs.set(sid, catalog);
    }
    return catalog;
  };
  const deps: EventsHandlerDeps = {
    config,
    queue: createSqsJobQueue({
      client: clients.sqs ?? createSqsClient(),
      queueUrl: config.mediaQueueUrl,
    }),
    catalogFor,
    isServedAccount: allowedAccountPredicate(archiver.accountSid, archiver.subaccounts),
  };
  const scope = archiver.subaccounts ?? { kind: 'none' };
  if (scope.kind === 'all') {
    // Under `all`, membership is the main account's Accounts list, read with the credential that
    // lists media: an event naming any other account gets no Twilio call about it.
    deps.isServedAccount = createServedAccounts({
      mainAccountSid: archiver.accountSid,
      scope,
      directory: createTwilioAccountDirectory({
        apiBaseUrl: archiver.twilioApiBaseUrl,
        accountSid: archiver.accountSid,
        credentials: archiver.credentials,
        ...(clients.twilio?.fetch ? { fetch: clients.twilio.fetch } : {}),
      }),
    });
  }
  const mainToken = config.authTokens[0];
  if (scope.kind !== 'none' && mainToken !== undefined && config.signature === 'required') {
    deps.tokens = createAccountTokens({
      mainAccountSid: archiver.accountSid,
      mainTokens: config.authTokens,
      scope,
      directory: createTwilioAccountDirectory({
        apiBaseUrl: archiver.twilioApiBaseUrl,
        accountSid: archiver.accountSid,
        credentials: { username: archiver.accountSid, password: mainToken },
        ...(clients.twilio?.fetch ? { fetch: clients.twilio.fetch } : {}),
      }),
    });
  }
  return deps;
};
