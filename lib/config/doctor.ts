import type { Env } from './env.ts';
import { ConfigurationError } from './env.ts';

/** `--reconcile-max-age`'s default: a daily run, plus two hours of slack. */
export const DEFAULT_RECONCILE_MAX_AGE_HOURS = 26;

/** The AWS services doctor talks to, by the suffix of their `AWS_ENDPOINT_URL_*` variable. */
export const DOCTOR_SERVICES = [
  'CLOUDFORMATION',
  'LAMBDA',
  'SSM',
  'SQS',
  'CLOUDWATCH',
  'SNS',
  'S3',
] as const;
export type DoctorService = (typeof DOCTOR_SERVICES)[number];

export interface DoctorConfig {
  region?: string;
  /** Set only when an `AWS_ENDPOINT_URL[_SERVICE]` names one (a stand-in such as moto_server). */
  endpoints: Partial<Record<DoctorService, string>>;
  s3ForcePathStyle: boolean;
  twilioApiBaseUrl: string;
  twilioMessagingBaseUrl: string;
  /** Events v1 (Event Streams), Twilio's `https://events.twilio.com`. */
  twilioEventsBaseUrl: string;
}

const optional = (env: Env, name: string): string | undefined => env[name]?.trim() || undefined;

const httpUrl = (env: Env, name: string, fallback: string): string => {
  const value = optional(env, name) ?? fallback;
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error();
  } catch {
    throw new ConfigurationError(`${name} must be an http(s) URL`);
  }
  return value.replace(/\/+$/, '');
};

/**
 * `media-archive doctor`'s settings. The endpoints are read here, not left to the SDK, so the
 * variables work from the environment handed to the CLI and a queue URL never overrides them.
 */
export const readDoctorConfig = (env: Env, options: { region?: string } = {}): DoctorConfig => {
  const region =
    options.region ?? optional(env, 'AWS_REGION') ?? optional(env, 'AWS_DEFAULT_REGION');
  const endpoints: DoctorConfig['endpoints'] = {};
  for (const service of DOCTOR_SERVICES) {
    const endpoint =
      optional(env, `AWS_ENDPOINT_URL_${service}`) ?? optional(env, 'AWS_ENDPOINT_URL');
    if (endpoint) endpoints[service] = endpoint;
  }
  const forcePathStyle = optional(env, 'S3_FORCE_PATH_STYLE')?.toLowerCase();
  return {
    ...(region ? { region } : {}),
    endpoints,
    s3ForcePathStyle: forcePathStyle === 'true' || forcePathStyle === '1',
    twilioApiBaseUrl: httpUrl(env, 'TWILIO_API_BASE_URL', 'https://api.twilio.com'),
    twilioMessagingBaseUrl: httpUrl(
      env,
      'TWILIO_MESSAGING_BASE_URL',
      'https://messaging.twilio.com',
    ),
    twilioEventsBaseUrl: httpUrl(env, 'TWILIO_EVENTS_BASE_URL', 'https://events.twilio.com'),
  };
};
