import { tmpdir } from 'node:os';
import { type AccountScope, scopeMayInclude } from '../domain/account-scope.ts';
import { DEFAULT_SPOOL_MEMORY_BYTES } from '../domain/bytes.ts';
import type { ArchiveDirection } from '../domain/media-job.ts';
import {
  DEFAULT_TWILIO_MEDIA_ORIGINS,
  formatMediaOrigin,
  isAllowedMediaOrigin,
  MediaOriginSyntaxError,
  parseMediaOrigins,
} from '../domain/media-origins.ts';
import type { ParticipantKey } from '../domain/participant.ts';
import type { TwilioCredentials } from '../domain/twilio-credentials.ts';
import {
  parseSharedKeys,
  SharedKeySyntaxError,
  type SharedKeys,
  sharedKeyAccounts,
} from '../domain/webhook-shared-keys.ts';
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
  /** TWILIO_WEBHOOK_SHARED_KEYS: keys Twilio may sign with instead of the auth token, per account. */
  sharedKeys?: SharedKeys;
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
  const keys = sharedKeys(env, sid, config.subaccounts ?? { kind: 'none' });
  if (keys.size > 0) config.sharedKeys = keys;
  return config;
};

const sharedKeys = (env: Env, mainSid: string, scope: AccountScope): SharedKeys => {
  let keys: SharedKeys;
  try {
    keys = parseSharedKeys(optional(env, 'TWILIO_WEBHOOK_SHARED_KEYS'), mainSid);
  } catch (error) {
    if (!(error instanceof SharedKeySyntaxError)) throw error;
    throw new ConfigurationError(`TWILIO_WEBHOOK_SHARED_KEYS: ${error.message}`);
  }
  const outside = sharedKeyAccounts(keys, mainSid).filter(
    (sid) => !scopeMayInclude(scope, mainSid, sid),
  );
  if (outside.length > 0) {
    // A key for an account this deployment does not serve would be dead configuration at best.
    throw new ConfigurationError(
      `TWILIO_WEBHOOK_SHARED_KEYS names accounts TWILIO_SUBACCOUNTS does not serve: ${outside.join(', ')}`,
    );
  }
  return keys;
};

export type { TwilioCredentials };

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
export { DEFAULT_SPOOL_MEMORY_BYTES };

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

export type { ArchiveDirection };

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

export type EventSinkSignature = 'required' | 'off';

export interface EventsConfig {
  /** Twilio access (credentials, API origin, served accounts, record fields): the archiver's. */
  archiver: ArchiverConfig;
  mediaQueueUrl: string;
  /**
   * Webhook sink: the Basic credentials in the sink URL's userinfo. Absent = no webhook sink is
   * served, and every HTTP request is refused.
   */
  sink?: { username: string; password: string };
  /**
   * EVENT_SINK_SIGNATURE: Twilio signs webhook-sink requests (X-Twilio-Signature over the URL with
   * `bodySHA256`); `required` checks it with the account's auth token besides the Basic credentials.
   */
  signature: EventSinkSignature;
  /** Primary first, then the previous one: the tokens signatures are checked with. */
  authTokens: string[];
  /** The sink URL as configured at Twilio (API Gateway stage prefixes make the seen path differ). */
  publicEventsUrl?: string;
  /** The webhook sink answers within this many ms (Twilio waits 5 s). */
  webhookDeadlineMs: number;
}

export const readEventsConfig = (env: Env = process.env): EventsConfig => {
  const archiver = readArchiverConfig(env);
  const signatureValue = optional(env, 'EVENT_SINK_SIGNATURE') ?? 'required';
  if (signatureValue !== 'required' && signatureValue !== 'off') {
    throw new ConfigurationError('EVENT_SINK_SIGNATURE must be required or off');
  }
  const token = optional(env, 'TWILIO_AUTH_TOKEN');
  const previous = optional(env, 'TWILIO_AUTH_TOKEN_PREVIOUS');
  const config: EventsConfig = {
    archiver,
    mediaQueueUrl: required(env, 'MEDIA_QUEUE_URL'),
    signature: signatureValue,
    authTokens: [...(token ? [token] : []), ...(previous ? [previous] : [])],
    webhookDeadlineMs: int(env, 'EVENT_SINK_DEADLINE_MS', 4000, 500, 4800),
  };
  const username = optional(env, 'EVENT_SINK_USERNAME');
  const password = optional(env, 'EVENT_SINK_PASSWORD');
  if (username && password) {
    if (password.length < 16) {
      throw new ConfigurationError('EVENT_SINK_PASSWORD must be at least 16 characters');
    }
    if (username.includes(':'))
      throw new ConfigurationError('EVENT_SINK_USERNAME must not hold ":"');
    config.sink = { username, password };
    if (config.signature === 'required' && config.authTokens.length === 0) {
      throw new ConfigurationError(
        'EVENT_SINK_SIGNATURE=required needs TWILIO_AUTH_TOKEN (or set EVENT_SINK_SIGNATURE=off)',
      );
    }
  } else if (username || password) {
    throw new ConfigurationError('EVENT_SINK_USERNAME and EVENT_SINK_PASSWORD go together');
  }
  const publicUrl = url(env, 'PUBLIC_EVENTS_URL');
  if (publicUrl) config.publicEventsUrl = publicUrl;
  return config;
};
