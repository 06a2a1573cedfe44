import {
  type AccountScope,
  AccountScopeSyntaxError,
  parseAccountScope,
} from '../domain/account-scope.ts';
import {
  InvalidParticipantError,
  type ParticipantKey,
  participantKeyOf,
} from '../domain/participant.ts';
import { isAccountSid } from '../domain/sids.ts';

/** Raised at cold start: a Lambda with a bad configuration must fail loudly, not limp along. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export const required = (env: Env, name: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`${name} is required`);
  return value;
};

export const optional = (env: Env, name: string): string | undefined =>
  env[name]?.trim() || undefined;

export const bool = (env: Env, name: string, fallback: boolean): boolean => {
  const value = optional(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new ConfigurationError(`${name} must be true or false`);
};

export const int = (env: Env, name: string, fallback: number, min: number, max: number): number => {
  const value = optional(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigurationError(`${name} must be an integer in ${min}..${max}`);
  }
  return parsed;
};

export const accountSid = (env: Env): string => {
  const sid = required(env, 'TWILIO_ACCOUNT_SID');
  if (!isAccountSid(sid)) throw new ConfigurationError('TWILIO_ACCOUNT_SID is not an AC… SID');
  return sid;
};

export const url = (env: Env, name: string, fallback?: string): string | undefined => {
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

/** ARCHIVE_PREFIX, the one rule for every reader of the archive: relative, ends in `/`. */
export const archivePrefix = (env: Env): string => {
  const prefix = optional(env, 'ARCHIVE_PREFIX') ?? 'media/';
  if (prefix.startsWith('/') || prefix.includes('..')) {
    throw new ConfigurationError('ARCHIVE_PREFIX must be a relative key prefix');
  }
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
};

/** `undefined` lets the SDK resolve it (profile, instance metadata). */
export const region = (env: Env): string | undefined =>
  optional(env, 'AWS_REGION') ?? optional(env, 'AWS_DEFAULT_REGION');

/** TWILIO_SUBACCOUNTS: `none` (default), `all`, or `AC…,AC…`; the main account is always served. */
export const subaccounts = (env: Env, mainSid: string): AccountScope => {
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

export const apiBaseUrl = (env: Env): string =>
  (url(env, 'TWILIO_API_BASE_URL', 'https://api.twilio.com') as string).replace(/\/+$/, '');

/**
 * ARCHIVE_PARTICIPANT_KEY: the secret the participants' pseudonyms are made with (absent: records
 * carry none); ARCHIVE_PARTICIPANT_KEYS_PREVIOUS (comma-separated): older keys, kept for lookups.
 */
export const participantKeys = (env: Env): ParticipantKey[] => {
  const current = optional(env, 'ARCHIVE_PARTICIPANT_KEY');
  const previous = (optional(env, 'ARCHIVE_PARTICIPANT_KEYS_PREVIOUS') ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  try {
    return [...(current ? [current] : []), ...previous].map(participantKeyOf);
  } catch (error) {
    if (!(error instanceof InvalidParticipantError)) throw error;
    // Never the value: the message names the variable only.
    throw new ConfigurationError(`ARCHIVE_PARTICIPANT_KEY(S_PREVIOUS): ${error.message}`);
  }
};

/** The key new pseudonyms are made with (absent: none are made). */
export const participantKey = (env: Env): ParticipantKey | undefined =>
  optional(env, 'ARCHIVE_PARTICIPANT_KEY') === undefined ? undefined : participantKeys(env)[0];
