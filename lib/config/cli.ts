import type { QueueRef } from '../domain/queue-ref.ts';
import { isAccountSid } from '../domain/sids.ts';
import {
  archivePrefix,
  region as awsRegion,
  bool,
  ConfigurationError,
  type Env,
  int,
  optional,
  required,
  subaccounts,
} from './env.ts';
import {
  type ArchiverConfig,
  readArchiverConfig,
  reconcileLookbackDays,
  reconcileMinAgeMinutes,
} from './lambda.ts';
import {
  DEFAULT_LOCAL_BUCKET,
  DEFAULT_LOCAL_S3_PORT,
  DEFAULT_LOCAL_SQS_PORT,
  DEFAULT_LOCAL_TWILIO_CDN_PORT,
  DEFAULT_LOCAL_TWILIO_PORT,
  LOCAL_AWS_CREDENTIALS,
  LOCAL_DEAD_LETTER_QUEUE,
  LOCAL_MEDIA_QUEUE,
  LOCAL_REGION,
} from './local-constants.ts';

/** Settings of `media-archive`: the archive it reads, and with `--local` the local stack. */

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

export const readCliConfig = (options: { local: boolean }, env: Env = process.env): CliConfig => {
  const sid = optional(env, 'TWILIO_ACCOUNT_SID');
  if (sid !== undefined && !isAccountSid(sid)) {
    throw new ConfigurationError('TWILIO_ACCOUNT_SID is not an AC… SID');
  }
  const region = awsRegion(env);
  const config: CliConfig = options.local
    ? {
        bucket: optional(env, 'ARCHIVE_BUCKET') ?? DEFAULT_LOCAL_BUCKET,
        archivePrefix: archivePrefix(env),
        s3: {
          endpoint: `http://127.0.0.1:${int(env, 'LOCAL_S3_PORT', DEFAULT_LOCAL_S3_PORT, 1, 65_535)}`,
          region: region ?? LOCAL_REGION,
          forcePathStyle: true,
          credentials: LOCAL_AWS_CREDENTIALS,
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

export type { QueueRef };

export interface SqsEndpointConfig {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const sqsEndpoint = (options: { local: boolean }, env: Env): SqsEndpointConfig => {
  const region = awsRegion(env);
  if (!options.local) return region ? { region } : {};
  return {
    endpoint: `http://127.0.0.1:${int(env, 'LOCAL_SQS_PORT', DEFAULT_LOCAL_SQS_PORT, 1, 65_535)}`,
    region: region ?? LOCAL_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
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
    lookbackDays: reconcileLookbackDays(env),
    minAgeMinutes: reconcileMinAgeMinutes(env),
  };
};

/** `find --athena`: the stack's Athena workgroup and Glue table (its Athena* outputs). */
export interface AthenaConfig {
  workGroup: string;
  database: string;
  table: string;
  /** `undefined` lets the SDK resolve it; AWS_ENDPOINT_URL_ATHENA is the SDK's own. */
  region?: string;
  /** Give up on (and stop) a query after this many seconds. */
  timeoutSeconds: number;
}

export const DEFAULT_ATHENA_TABLE = 'message_records';

export const readAthenaConfig = (env: Env = process.env): AthenaConfig => {
  const workGroup = optional(env, 'ARCHIVE_ATHENA_WORKGROUP');
  const database = optional(env, 'ARCHIVE_ATHENA_DATABASE');
  if (!workGroup || !database) {
    throw new ConfigurationError(
      '--athena needs ARCHIVE_ATHENA_WORKGROUP and ARCHIVE_ATHENA_DATABASE (the stack outputs AthenaWorkGroup and AthenaDatabase of a deploy with --param="athena=true")',
    );
  }
  const region = awsRegion(env);
  return {
    workGroup,
    database,
    table: optional(env, 'ARCHIVE_ATHENA_TABLE') ?? DEFAULT_ATHENA_TABLE,
    ...(region ? { region } : {}),
    timeoutSeconds: int(env, 'ARCHIVE_ATHENA_TIMEOUT_SECONDS', 300, 10, 3_600),
  };
};
