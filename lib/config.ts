import { tmpdir } from 'node:os';
import {
  type AccountScope,
  AccountScopeSyntaxError,
  parseAccountScope,
} from './domain/account-scope.ts';
import {
  DEFAULT_TWILIO_MEDIA_ORIGINS,
  formatMediaOrigin,
  isAllowedMediaOrigin,
  MediaOriginSyntaxError,
  parseMediaOrigins,
} from './domain/media-origins.ts';
import { isAccountSid } from './domain/sids.ts';

/** Raised at cold start: a Lambda with a bad configuration must fail loudly, not limp along. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const required = (env: Env, name: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`${name} is required`);
  return value;
};

const optional = (env: Env, name: string): string | undefined => env[name]?.trim() || undefined;

const bool = (env: Env, name: string, fallback: boolean): boolean => {
  const value = optional(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new ConfigurationError(`${name} must be true or false`);
};

const int = (env: Env, name: string, fallback: number, min: number, max: number): number => {
  const value = optional(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigurationError(`${name} must be an integer in ${min}..${max}`);
  }
  return parsed;
};

const accountSid = (env: Env): string => {
  const sid = required(env, 'TWILIO_ACCOUNT_SID');
  if (!isAccountSid(sid)) throw new ConfigurationError('TWILIO_ACCOUNT_SID is not an AC… SID');
  return sid;
};

const url = (env: Env, name: string, fallback?: string): string | undefined => {
  const value = optional(env, name) ?? fallback;
  if (value === undefined) return undefined;
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error();
    return value;
  } catch {
    throw new ConfigurationError(`${name} must be an http(s) URL`);
  }
};

/** TWILIO_SUBACCOUNTS: `none` (default), `all`, or `AC…,AC…`; the main account is always served. */
const subaccounts = (env: Env, mainSid: string): AccountScope => {
  try {
    const scope = parseAccountScope(optional(env, 'TWILIO_SUBACCOUNTS'));
    if (scope.kind === 'list' && scope.sids.includes(mainSid)) {
      return { kind: 'list', sids: scope.sids.filter((sid) => sid !== mainSid) };
    }
    return scope;
  } catch (error) {
    if (!(error instanceof AccountScopeSyntaxError)) throw error;
    throw new ConfigurationError(`TWILIO_SUBACCOUNTS: ${error.message}`);
  }
};

const apiBaseUrl = (env: Env): string =>
  (url(env, 'TWILIO_API_BASE_URL', 'https://api.twilio.com') as string).replace(/\/+$/, '');

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
  const prefix = optional(env, 'ARCHIVE_PREFIX') ?? 'media/';
  if (prefix.startsWith('/') || prefix.includes('..')) {
    throw new ConfigurationError('ARCHIVE_PREFIX must be a relative key prefix');
  }
  const config: ArchiverConfig = {
    accountSid: sid,
    subaccounts: subaccounts(env, sid),
    archiveBucket: required(env, 'ARCHIVE_BUCKET'),
    archivePrefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
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
  };
  const redact = bool(env, 'REDACT_MESSAGE_BODY_AFTER_ARCHIVE', false);
  if (redact && !bool(env, 'ARCHIVE_MESSAGE_BODY', false)) {
    // Redacting a body the archive never kept would destroy the only copy.
    throw new ConfigurationError(
      'REDACT_MESSAGE_BODY_AFTER_ARCHIVE=true needs ARCHIVE_MESSAGE_BODY=true',
    );
  }
  config.redactMessageBody = redact;
  const dlq = optional(env, 'DEAD_LETTER_QUEUE_URL');
  if (dlq) config.deadLetterQueueUrl = dlq;
  const queue = optional(env, 'MEDIA_QUEUE_URL');
  if (queue) config.mediaQueueUrl = queue;
  return config;
};

/** Where `media-archive` reads from: AWS (standard credential chain) or the local stack's S3. */
export interface CliConfig {
  bucket: string;
  archivePrefix: string;
  /** Narrows every query to one account; otherwise the accounts under the prefix are listed. */
  accountSid?: string;
  s3: {
    /** Set only for the local stack (or `AWS_ENDPOINT_URL_S3`, which the SDK reads itself). */
    endpoint?: string;
    /** `undefined` lets the SDK resolve it (AWS_REGION, profile). */
    region?: string;
    forcePathStyle: boolean;
    /** The local stack's fixed keys; `undefined` means the standard AWS credential chain. */
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
}

export const DEFAULT_LOCAL_BUCKET = 'twilio-media-archive';
export const DEFAULT_LOCAL_S3_PORT = 4569;

const archivePrefix = (env: Env): string => {
  const prefix = optional(env, 'ARCHIVE_PREFIX') ?? 'media/';
  if (prefix.startsWith('/') || prefix.includes('..')) {
    throw new ConfigurationError('ARCHIVE_PREFIX must be a relative key prefix');
  }
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
};

export const readCliConfig = (options: { local: boolean }, env: Env = process.env): CliConfig => {
  const sid = optional(env, 'TWILIO_ACCOUNT_SID');
  if (sid !== undefined && !isAccountSid(sid)) {
    throw new ConfigurationError('TWILIO_ACCOUNT_SID is not an AC… SID');
  }
  const region = optional(env, 'AWS_REGION') ?? optional(env, 'AWS_DEFAULT_REGION');
  const config: CliConfig = options.local
    ? {
        bucket: optional(env, 'ARCHIVE_BUCKET') ?? DEFAULT_LOCAL_BUCKET,
        archivePrefix: archivePrefix(env),
        s3: {
          endpoint: `http://127.0.0.1:${int(env, 'LOCAL_S3_PORT', DEFAULT_LOCAL_S3_PORT, 1, 65_535)}`,
          region: region ?? 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        },
      }
    : {
        bucket: required(env, 'ARCHIVE_BUCKET'),
        archivePrefix: archivePrefix(env),
        s3: {
          forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', false),
          ...(region ? { region } : {}),
        },
      };
  // With subaccounts served, the archive holds several accounts: only --account narrows then.
  const scope = sid ? subaccounts(env, sid) : { kind: 'none' };
  if (sid && scope.kind === 'none') config.accountSid = sid;
  return config;
};

export interface LocalStackConfig {
  s3Port: number;
  sqsPort: number;
  httpPort: number;
  /** The archive browser's own loopback port (never the webhook port). */
  browserPort: number;
  /** Emulator ports; 0 = free ports. */
  twilioApiPort: number;
  twilioCdnPort: number;
  dataDir: string;
  bucket: string;
  /** `undefined` = no credentials configured: run the built-in Twilio emulator (demo mode). */
  twilio?: { accountSid: string; apiBaseUrl: string };
  /** Seconds a received job stays invisible before the poller's next try (the retry delay). */
  visibilityTimeoutSeconds: number;
  /** LOCAL_INVOCATION_TIMEOUT; unset = the deployed archiver timeout (lib/local/local-constants.ts). */
  invocationTimeoutSeconds?: number;
  /** The environment the Lambdas would see, minus what the stack itself wires. */
  env: Env;
}

/** Settings of `npm start`: every one has a default, and the Lambdas' variables apply too. */
export const readLocalStackConfig = (env: Env = process.env): LocalStackConfig => {
  const hasCredentials =
    optional(env, 'TWILIO_AUTH_TOKEN') !== undefined ||
    optional(env, 'TWILIO_API_KEY_SECRET') !== undefined;
  const config: LocalStackConfig = {
    s3Port: int(env, 'LOCAL_S3_PORT', 4569, 0, 65_535),
    sqsPort: int(env, 'LOCAL_SQS_PORT', 9324, 0, 65_535),
    httpPort: int(env, 'PORT', 3000, 0, 65_535),
    browserPort: int(env, 'ARCHIVE_BROWSER_PORT', 8080, 0, 65_535),
    twilioApiPort: int(env, 'LOCAL_TWILIO_PORT', 4010, 0, 65_535),
    twilioCdnPort: int(env, 'LOCAL_TWILIO_CDN_PORT', 4011, 0, 65_535),
    dataDir: optional(env, 'LOCAL_DATA_DIR') ?? '.local',
    bucket: optional(env, 'ARCHIVE_BUCKET') ?? 'twilio-media-archive',
    visibilityTimeoutSeconds: int(env, 'LOCAL_VISIBILITY_TIMEOUT', 5, 1, 43_200),
    env,
  };
  const invocationTimeout = optional(env, 'LOCAL_INVOCATION_TIMEOUT');
  if (invocationTimeout !== undefined) {
    config.invocationTimeoutSeconds = int(env, 'LOCAL_INVOCATION_TIMEOUT', 0, 1, 900);
  }
  if (hasCredentials) {
    config.twilio = {
      accountSid: accountSid(env),
      apiBaseUrl: url(env, 'TWILIO_API_BASE_URL', 'https://api.twilio.com') as string,
    };
  }
  return config;
};

// ---------------------------------------------------------------------------------------------
// Backfill, reconcile, redrive (issue 7)
// ---------------------------------------------------------------------------------------------

export type ArchiveDirection = 'inbound' | 'all';

const direction = (env: Env, name: string): ArchiveDirection => {
  const value = optional(env, name) ?? 'inbound';
  if (value !== 'inbound' && value !== 'all') {
    throw new ConfigurationError(`${name} must be inbound or all`);
  }
  return value;
};

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
  lookbackDays: int(env, 'RECONCILE_LOOKBACK_DAYS', 2, 1, 400),
  minAgeMinutes: int(env, 'RECONCILE_MIN_AGE_MINUTES', 15, 0, 1440),
  direction: direction(env, 'RECONCILE_DIRECTION'),
});

/** A queue given by URL (AWS) or by name (the local stack's fixed names, resolved at run time). */
export type QueueRef = { url: string } | { name: string };

export interface SqsEndpointConfig {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The local stack's queue names (lib/local/local-stack.ts; not imported: never bundle lib/local). */
const LOCAL_MEDIA_QUEUE = 'media-jobs';
const LOCAL_DEAD_LETTER_QUEUE = 'media-jobs-dlq';
const LOCAL_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const sqsEndpoint = (options: { local: boolean }, env: Env): SqsEndpointConfig => {
  const region = optional(env, 'AWS_REGION') ?? optional(env, 'AWS_DEFAULT_REGION');
  if (!options.local) return region ? { region } : {};
  return {
    endpoint: `http://127.0.0.1:${int(env, 'LOCAL_SQS_PORT', 9324, 1, 65_535)}`,
    region: region ?? 'us-east-1',
    credentials: LOCAL_KEYS,
  };
};

const queueRef = (
  options: { local: boolean },
  env: Env,
  variable: string,
  localName: string,
): QueueRef | undefined => {
  if (options.local) return { name: localName };
  const queueUrl = optional(env, variable);
  return queueUrl ? { url: queueUrl } : undefined;
};

export interface RedriveConfig {
  sqs: SqsEndpointConfig;
  /** `undefined` on AWS without MEDIA_QUEUE_URL / DEAD_LETTER_QUEUE_URL: the command says so. */
  mediaQueue?: QueueRef;
  deadLetterQueue?: QueueRef;
}

export const readRedriveConfig = (
  options: { local: boolean },
  env: Env = process.env,
): RedriveConfig => {
  const config: RedriveConfig = { sqs: sqsEndpoint(options, env) };
  const media = queueRef(options, env, 'MEDIA_QUEUE_URL', LOCAL_MEDIA_QUEUE);
  const dlq = queueRef(options, env, 'DEAD_LETTER_QUEUE_URL', LOCAL_DEAD_LETTER_QUEUE);
  if (media) config.mediaQueue = media;
  if (dlq) config.deadLetterQueue = dlq;
  return config;
};

export interface BackfillConfig extends RedriveConfig {
  /** Account, credentials, Twilio API origin, bucket, prefix; `--direct` archives with it. */
  archiver: ArchiverConfig;
  s3: CliConfig['s3'];
  /** `media-archive reconcile`: RECONCILE_LOOKBACK_DAYS / RECONCILE_MIN_AGE_MINUTES. */
  lookbackDays: number;
  minAgeMinutes: number;
}

export const DEFAULT_LOCAL_TWILIO_PORT = 4010;
export const DEFAULT_LOCAL_TWILIO_CDN_PORT = 4011;

/**
 * `media-archive backfill|reconcile`: the archiver's variables (TWILIO_ACCOUNT_SID and a
 * credential are required). With `--local`: the local stack's S3 and SQS, and the emulator's API
 * on LOCAL_TWILIO_PORT unless TWILIO_API_BASE_URL names another (a stack run with real Twilio),
 * with its CDN on LOCAL_TWILIO_CDN_PORT as the media origin unless TWILIO_MEDIA_ORIGINS is set.
 */
export const readBackfillConfig = (
  options: {
    local: boolean;
    /** The local emulator's own demo account (`.local/twilio-emulator.json`), when there is one. */
    demoCredentials?: { accountSid: string; authToken: string };
  },
  env: Env = process.env,
): BackfillConfig => {
  const cli = readCliConfig(options, env);
  const demo = options.demoCredentials;
  const configuredToken = optional(env, 'TWILIO_AUTH_TOKEN');
  const hasOwnCredentials =
    configuredToken !== undefined || optional(env, 'TWILIO_API_KEY_SECRET') !== undefined;
  // Only the emulator's own demo account is sent to the emulator's port: real credentials never go
  // in cleartext to whatever listens on 127.0.0.1 (they need TWILIO_API_BASE_URL, or go to Twilio).
  const demoAccount =
    demo !== undefined &&
    (!hasOwnCredentials ||
      (optional(env, 'TWILIO_ACCOUNT_SID') === demo.accountSid &&
        configuredToken === demo.authToken));
  const explicitApi = optional(env, 'TWILIO_API_BASE_URL');
  const emulated = options.local && explicitApi === undefined && demoAccount;
  const archiverEnv: Env = !options.local
    ? env
    : !emulated
      ? {
          ...env,
          ARCHIVE_BUCKET: cli.bucket,
          S3_FORCE_PATH_STYLE: 'true',
          TWILIO_API_BASE_URL: explicitApi ?? 'https://api.twilio.com',
        }
      : {
          ...env,
          ...(demo && !hasOwnCredentials
            ? { TWILIO_ACCOUNT_SID: demo.accountSid, TWILIO_AUTH_TOKEN: demo.authToken }
            : {}),
          ARCHIVE_BUCKET: cli.bucket,
          S3_FORCE_PATH_STYLE: 'true',
          TWILIO_API_BASE_URL:
            optional(env, 'TWILIO_API_BASE_URL') ??
            `http://127.0.0.1:${int(env, 'LOCAL_TWILIO_PORT', DEFAULT_LOCAL_TWILIO_PORT, 1, 65_535)}`,
          ...(emulated && optional(env, 'TWILIO_MEDIA_ORIGINS') === undefined
            ? {
                TWILIO_MEDIA_ORIGINS: `http://127.0.0.1:${int(env, 'LOCAL_TWILIO_CDN_PORT', DEFAULT_LOCAL_TWILIO_CDN_PORT, 1, 65_535)}`,
              }
            : {}),
        };
  return {
    ...readRedriveConfig(options, env),
    archiver: readArchiverConfig(archiverEnv),
    s3: cli.s3,
    lookbackDays: int(env, 'RECONCILE_LOOKBACK_DAYS', 2, 1, 400),
    minAgeMinutes: int(env, 'RECONCILE_MIN_AGE_MINUTES', 15, 0, 1440),
  };
};
