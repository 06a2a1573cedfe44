import { accountSid, ConfigurationError, type Env, int, optional, url } from './env.ts';
import {
  DEFAULT_LOCAL_BROWSER_PORT,
  DEFAULT_LOCAL_BUCKET,
  DEFAULT_LOCAL_DATA_DIR,
  DEFAULT_LOCAL_HTTP_PORT,
  DEFAULT_LOCAL_S3_PORT,
  DEFAULT_LOCAL_SQS_PORT,
  DEFAULT_LOCAL_TWILIO_CDN_PORT,
  DEFAULT_LOCAL_TWILIO_PORT,
  DEFAULT_LOCAL_VISIBILITY_TIMEOUT,
} from './local-constants.ts';

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
  /** LOCAL_INVOCATION_TIMEOUT; unset = the deployed archiver timeout (lib/config/local-constants.ts). */
  invocationTimeoutSeconds?: number;
  /**
   * LOCAL_INTAKE: `webhook` (default: send-test posts the number's webhook to the stack) or
   * `event-streams` (the emulator's number points at another app; the archiver hears of messages
   * only through Event Streams, once `media-archive connect --local` made the sink).
   */
  intake: 'webhook' | 'event-streams';
  /** The environment the Lambdas would see, minus what the stack itself wires. */
  env: Env;
}

const localIntake = (env: Env): LocalStackConfig['intake'] => {
  const value = optional(env, 'LOCAL_INTAKE') ?? 'webhook';
  if (value !== 'webhook' && value !== 'event-streams') {
    throw new ConfigurationError('LOCAL_INTAKE must be webhook or event-streams');
  }
  return value;
};

/** Settings of `npm start`: every one has a default, and the Lambdas' variables apply too. */
export const readLocalStackConfig = (env: Env = process.env): LocalStackConfig => {
  const hasCredentials =
    optional(env, 'TWILIO_AUTH_TOKEN') !== undefined ||
    optional(env, 'TWILIO_API_KEY_SECRET') !== undefined;
  const config: LocalStackConfig = {
    s3Port: int(env, 'LOCAL_S3_PORT', DEFAULT_LOCAL_S3_PORT, 0, 65_535),
    sqsPort: int(env, 'LOCAL_SQS_PORT', DEFAULT_LOCAL_SQS_PORT, 0, 65_535),
    httpPort: int(env, 'PORT', DEFAULT_LOCAL_HTTP_PORT, 0, 65_535),
    browserPort: int(env, 'ARCHIVE_BROWSER_PORT', DEFAULT_LOCAL_BROWSER_PORT, 0, 65_535),
    twilioApiPort: int(env, 'LOCAL_TWILIO_PORT', DEFAULT_LOCAL_TWILIO_PORT, 0, 65_535),
    twilioCdnPort: int(env, 'LOCAL_TWILIO_CDN_PORT', DEFAULT_LOCAL_TWILIO_CDN_PORT, 0, 65_535),
    dataDir: optional(env, 'LOCAL_DATA_DIR') ?? DEFAULT_LOCAL_DATA_DIR,
    intake: localIntake(env),
    bucket: optional(env, 'ARCHIVE_BUCKET') ?? DEFAULT_LOCAL_BUCKET,
    visibilityTimeoutSeconds: int(
      env,
      'LOCAL_VISIBILITY_TIMEOUT',
      DEFAULT_LOCAL_VISIBILITY_TIMEOUT,
      1,
      43_200,
    ),
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
