import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createAccountTokens } from './account-tokens.ts';
import { createS3ArchiveStore } from './adapters/s3-archive-store.ts';
import { createS3MessageRecordStore } from './adapters/s3-message-record-store.ts';
import { createSqsDeadLetter } from './adapters/sqs-dead-letter.ts';
import { createSqsJobQueue } from './adapters/sqs-job-queue.ts';
import { createSqsRetryScheduler } from './adapters/sqs-retry-scheduler.ts';
import { createTwilioAccountDirectory } from './adapters/twilio-account-directory.ts';
import {
  createTwilioMediaSource,
  type TwilioMediaSourceOptions,
} from './adapters/twilio-media-source.ts';
import { createTwilioMessageRedactor } from './adapters/twilio-message-redactor.ts';
import type { ArchiverConfig, WebhookConfig } from './config.ts';
import { type AccountScope, scopeMayInclude } from './domain/account-scope.ts';
import { logger, metrics } from './observability.ts';
import type { AccountTokens, JobQueue } from './ports.ts';
import type { ArchiverDeps } from './process-media-batch.ts';

/**
 * Composition root: SDK clients are built here, once per cold start, and handed to adapters. The
 * SDK resolves region, credentials and `AWS_ENDPOINT_URL_SQS` itself, so nothing here reads the
 * environment.
 */

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
      client: clients.sqs ?? new SQSClient({}),
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

export const createArchiverDeps = (
  config: ArchiverConfig,
  clients: ArchiverClients = {},
): ArchiverDeps => {
  const s3 =
    clients.s3 ??
    // Path style is the only local difference: fauxqs takes AWS's checksum defaults as they are.
    new S3Client(config.s3ForcePathStyle ? { forcePathStyle: true } : {});
  const sqs = clients.sqs ?? new SQSClient({});
  const isAllowedAccount = allowedAccountPredicate(config.accountSid, config.subaccounts);
  const deps: ArchiverDeps = {
    config,
    isAllowedAccount,
    source: createTwilioMediaSource({
      apiBaseUrl: config.twilioApiBaseUrl,
      accountSid: config.accountSid,
      isAllowedAccount,
      credentials: config.credentials,
      mediaOrigins: config.twilioMediaOrigins,
      ...clients.twilio,
    }),
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
