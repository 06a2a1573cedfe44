import { tmpdir } from 'node:os';
import type { AccountScope } from '../domain/account-scope.ts';
import {
  DEFAULT_TWILIO_MEDIA_ORIGINS,
  formatMediaOrigin,
  isAllowedMediaOrigin,
  MediaOriginSyntaxError,
  parseMediaOrigins,
} from '../domain/media-origins.ts';
import type { ParticipantKey } from '../domain/participant.ts';
import {
  accountSid,
  apiBaseUrl,
  archivePrefix,
  bool,
  ConfigurationError,
  type Env,
  int,
  optional,
  participantKey,
  required,
  subaccounts,
  url,
} from './env.ts';

export interface WebhookConfig {
  accountSid: string;
  /** Primary first, then the previous token during a rotation. */
  authTokens: string[];
  /** Subaccounts served besides the main account (absent = none); tokens from the main's API. */
  subaccounts?: AccountScope;
  /** Where subaccount tokens are looked up (with the main account's auth token). */
  twilioApiBaseUrl?: string;
  publicWebhookUrl?: string;
  mediaQueueUrl: string;
  archiveAddresses: boolean;
  /** ARCHIVE_MESSAGE_BODY: the message body goes into the jobs and the message record. */
  archiveMessageBody?: boolean;
  /** ARCHIVE_PARTICIPANT_KEY: `From`/`To` go into the jobs as keyed pseudonyms. */
  participantKey?: ParticipantKey;
}

export const readWebhookConfig = (env: Env = process.env): WebhookConfig => {
  const previous = optional(env, 'TWILIO_AUTH_TOKEN_PREVIOUS');
  const sid = accountSid(env);
  const config: WebhookConfig = {
    accountSid: sid,
    authTokens: [required(env, 'TWILIO_AUTH_TOKEN'), ...(previous ? [previous] : [])],
    subaccounts: subaccounts(env, sid),
    twilioApiBaseUrl: apiBaseUrl(env),
    mediaQueueUrl: required(env, 'MEDIA_QUEUE_URL'),
    archiveAddresses: bool(env, 'ARCHIVE_ADDRESSES', false),
    archiveMessageBody: bool(env, 'ARCHIVE_MESSAGE_BODY', false),
  };
  const publicUrl = url(env, 'PUBLIC_WEBHOOK_URL');
  if (publicUrl) config.publicWebhookUrl = publicUrl;
  const key = participantKey(env);
  if (key) config.participantKey = key;
  return config;
};

export interface TwilioCredentials {
  username: string;
  password: string;
}

export interface ArchiverConfig {
  accountSid: string;
  /** Subaccounts whose media the main account's credentials archive and delete (absent = none). */
  subaccounts?: AccountScope;
  archiveBucket: string;
  archivePrefix: string;
  credentials: TwilioCredentials;
  twilioApiBaseUrl: string;
  /** TWILIO_MEDIA_ORIGINS, normalised: the only origins a content redirect may lead to. */
  twilioMediaOrigins: string[];
  maxMediaBytes: number;
  deleteAfterArchive: boolean;
  s3ForcePathStyle: boolean;
  concurrency: number;
  /** Attempts during which a 404 counts as Twilio's propagation delay rather than "gone". */
  notFoundAttempts: number;
  /** Must equal the queue's redrive `maxReceiveCount`: the last attempt dead-letters with a reason. */
  maxReceiveCount: number;
  deadLetterQueueUrl?: string;
  /** Visibility timeout, in seconds, before the first retry; doubles per attempt. 0 disables. */
  retryBackoffSeconds: number;
  mediaQueueUrl?: string;
  spoolDir: string;
  /**
   * Spool files in `spoolDir` older than this (and not this process's own) are removed before each
   * batch. 0 inside Lambda, where one invocation at a time owns the sandbox's `/tmp`; 15 minutes
   * elsewhere, where other processes (the local stack, a CLI run) may share the directory.
   */
  spoolSweepAgeMs?: number;
  /** Media up to this many bytes are spooled in memory, larger ones in `spoolDir` (default 1 MiB). */
  spoolMemoryBytes?: number;
  /**
   * REDACT_MESSAGE_BODY_AFTER_ARCHIVE: once the message record holding the body is verified in S3
   * and every media is archived, the body is blanked at Twilio. Needs ARCHIVE_MESSAGE_BODY=true.
   */
  redactMessageBody?: boolean;
  /**
   * ARCHIVE_MESSAGE_BODY / ARCHIVE_ADDRESSES: what backfill and reconcile copy from the Messages
   * list into a message's record, as the webhook does from its form.
   */
  archiveMessageBody?: boolean;
  archiveAddresses?: boolean;
  /** ARCHIVE_PARTICIPANT_KEY: backfill and reconcile jobs carry the participants' pseudonyms. */
  participantKey?: ParticipantKey;
}

const credentials = (env: Env, sid: string): TwilioCredentials => {
  const keySid = optional(env, 'TWILIO_API_KEY_SID');
  const keySecret = optional(env, 'TWILIO_API_KEY_SECRET');
  if (keySid && keySecret) return { username: keySid, password: keySecret };
  if (keySid || keySecret) {
    throw new ConfigurationError('TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET go together');
  }
  const token = optional(env, 'TWILIO_AUTH_TOKEN');
  if (!token) {
    throw new ConfigurationError(
      'Twilio credentials missing: TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET, or TWILIO_AUTH_TOKEN',
    );
  }
  return { username: sid, password: token };
};

export const DEFAULT_MAX_MEDIA_BYTES = 16 * 1024 * 1024;
/**
 * Media up to this size are spooled in memory, larger ones spill to a file: most MMS images never
 * touch the disk, and spool memory stays ≤ ARCHIVER_CONCURRENCY × this.
 */
export const DEFAULT_SPOOL_MEMORY_BYTES = 1024 * 1024;

/**
 * TWILIO_MEDIA_ORIGINS: https origins (`*.` wildcards allowed), plain http only for a loopback
 * origin listed exactly (the local stack's emulator). The API origin is never a media origin: a
 * redirect back to it is refused.
 */
const mediaOrigins = (env: Env, apiBaseUrl: string): string[] => {
  const value = optional(env, 'TWILIO_MEDIA_ORIGINS');
  try {
    const origins = parseMediaOrigins(value ?? DEFAULT_TWILIO_MEDIA_ORIGINS);
    if (isAllowedMediaOrigin(origins, new URL(apiBaseUrl))) {
      throw new MediaOriginSyntaxError('must not include the Twilio API origin');
    }
    return origins.map(formatMediaOrigin);
  } catch (error) {
    if (!(error instanceof MediaOriginSyntaxError)) throw error;
    throw new ConfigurationError(`TWILIO_MEDIA_ORIGINS: ${error.message}`);
  }
};

export const readArchiverConfig = (env: Env = process.env): ArchiverConfig => {
  const sid = accountSid(env);
  const twilioApiBaseUrl = apiBaseUrl(env);
  const config: ArchiverConfig = {
    accountSid: sid,
    subaccounts: subaccounts(env, sid),
    archiveBucket: required(env, 'ARCHIVE_BUCKET'),
    archivePrefix: archivePrefix(env),
    credentials: credentials(env, sid),
    twilioApiBaseUrl,
    twilioMediaOrigins: mediaOrigins(env, twilioApiBaseUrl),
    maxMediaBytes: int(env, 'MAX_MEDIA_BYTES', DEFAULT_MAX_MEDIA_BYTES, 1, 5 * 1024 ** 3),
    deleteAfterArchive: bool(env, 'DELETE_AFTER_ARCHIVE', true),
    s3ForcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', false),
    concurrency: int(env, 'ARCHIVER_CONCURRENCY', 5, 1, 100),
    notFoundAttempts: int(env, 'NOT_FOUND_ATTEMPTS', 3, 1, 100),
    maxReceiveCount: int(env, 'MAX_RECEIVE_COUNT', 5, 1, 1000),
    retryBackoffSeconds: int(env, 'RETRY_BACKOFF_SECONDS', 30, 0, 43_200),
    spoolDir: optional(env, 'SPOOL_DIR') ?? tmpdir(),
    spoolSweepAgeMs: optional(env, 'AWS_LAMBDA_FUNCTION_NAME') ? 0 : 15 * 60_000,
    spoolMemoryBytes: int(env, 'SPOOL_MEMORY_BYTES', DEFAULT_SPOOL_MEMORY_BYTES, 0, 64 * 1024 ** 2),
    redactMessageBody: false,
    archiveMessageBody: bool(env, 'ARCHIVE_MESSAGE_BODY', false),
    archiveAddresses: bool(env, 'ARCHIVE_ADDRESSES', false),
  };
  const redact = bool(env, 'REDACT_MESSAGE_BODY_AFTER_ARCHIVE', false);
  if (redact && !bool(env, 'ARCHIVE_MESSAGE_BODY', false)) {
    // Redacting a body the archive never kept would destroy the only copy.
    throw new ConfigurationError(
      'REDACT_MESSAGE_BODY_AFTER_ARCHIVE=true needs ARCHIVE_MESSAGE_BODY=true',
    );
  }
  config.redactMessageBody = redact;
  const key = participantKey(env);
  if (key) config.participantKey = key;
  const dlq = optional(env, 'DEAD_LETTER_QUEUE_URL');
  if (dlq) config.deadLetterQueueUrl = dlq;
  const queue = optional(env, 'MEDIA_QUEUE_URL');
  if (queue) config.mediaQueueUrl = queue;
  return config;
};

export type ArchiveDirection = 'inbound' | 'all';

const direction = (env: Env, name: string): ArchiveDirection => {
  const value = optional(env, name) ?? 'inbound';
  if (value !== 'inbound' && value !== 'all') {
    throw new ConfigurationError(`${name} must be inbound or all`);
  }
  return value;
};

/** RECONCILE_LOOKBACK_DAYS / RECONCILE_MIN_AGE_MINUTES: the Lambda's and `media-archive reconcile`'s. */
export const reconcileLookbackDays = (env: Env) => int(env, 'RECONCILE_LOOKBACK_DAYS', 2, 1, 400);
export const reconcileMinAgeMinutes = (env: Env) =>
  int(env, 'RECONCILE_MIN_AGE_MINUTES', 15, 0, 1440);

export interface ReconcileConfig {
  /** accountSid, credentials, Twilio API origin, bucket, prefix: the archiver's settings. */
  archiver: ArchiverConfig;
  mediaQueueUrl: string;
  /** Days before today (UTC) to list, today included as well. */
  lookbackDays: number;
  /** Messages younger than this are left to the webhook path, whose jobs may still be queued. */
  minAgeMinutes: number;
  direction: ArchiveDirection;
}

/** The scheduled reconcile Lambda: the archiver's variables plus RECONCILE_*. */
export const readReconcileConfig = (env: Env = process.env): ReconcileConfig => ({
  archiver: readArchiverConfig(env),
  mediaQueueUrl: required(env, 'MEDIA_QUEUE_URL'),
  lookbackDays: reconcileLookbackDays(env),
  minAgeMinutes: reconcileMinAgeMinutes(env),
  direction: direction(env, 'RECONCILE_DIRECTION'),
});
