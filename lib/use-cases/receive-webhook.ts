import type { MediaJob } from '../domain/media-job.ts';
import type { ParticipantKey } from '../domain/participant.ts';
import { isAccountSid } from '../domain/sids.ts';
import { isValidTwilioSignature } from '../domain/twilio-signature.ts';
import { ForeignAccountWebhookError, SignatureMismatchError } from '../domain/webhook-errors.ts';
import { mediaJobsFromWebhook, singleField, type WebhookFields } from '../domain/webhook-form.ts';
import {
  loggableKeyId,
  parseSignatureSettings,
  type SharedKeys,
  type SignatureSettings,
  sharedKeySecret,
} from '../domain/webhook-shared-keys.ts';
import type { AccountTokens, JobQueue } from '../ports/pipeline.ts';

/** The settings receiveWebhook reads (lib/config's WebhookConfig satisfies it). */
export interface ReceiveWebhookConfig {
  accountSid: string;
  /** Primary first, then the previous token during a rotation. */
  authTokens: string[];
  /** Shared signing keys by account and key id (`X-Twilio-Webhooks-Signature-Settings`). */
  sharedKeys?: SharedKeys;
  archiveAddresses: boolean;
  archiveMessageBody?: boolean;
  /** ARCHIVE_PARTICIPANT_KEY: `From`/`To` go into the jobs as keyed pseudonyms. */
  participantKey?: ParticipantKey;
}

export interface ReceiveWebhookDeps {
  queue: JobQueue;
  /** Tokens per account (main + allowed subaccounts); absent = the main account's only. */
  tokens?: AccountTokens;
  config: ReceiveWebhookConfig;
  now?: () => Date;
}

export interface WebhookRequest {
  /** The URL Twilio signed (the configured public URL, or one rebuilt from the request). */
  url: string;
  fields: WebhookFields;
  signature: string | undefined;
  /** X-Twilio-Webhooks-Signature-Settings, present when Twilio signed with a shared key. */
  signatureSettings?: string | undefined;
}

/**
 * A request whose settings header names a shared key is checked with that key and algorithm only:
 * the auth token never stands in for it, so a header pointing at a missing key is a refusal.
 */
const verifySharedKeySignature = (
  config: ReceiveWebhookDeps['config'],
  request: WebhookRequest,
  accountSid: string,
  settings: Exclude<SignatureSettings, { kind: 'auth-token' }>,
): void => {
  const refuse = (problem: string) =>
    new SignatureMismatchError({ signature: 'shared-key', checkedUrl: request.url, problem });
  if (settings.kind === 'unusable') throw refuse(`signature settings ${settings.problem}`);
  const keyId = loggableKeyId(settings.keyId);
  const secret = sharedKeySecret(config.sharedKeys, accountSid, settings.keyId);
  if (secret === undefined) throw refuse(`key ${keyId} is not configured for this account`);
  const valid = isValidTwilioSignature({
    authTokens: [secret],
    algorithm: settings.algorithm,
    url: request.url,
    params: request.fields,
    signature: request.signature,
  });
  if (!valid) throw refuse(`signature does not match key ${keyId} (${settings.algorithm})`);
};

/**
 * Authenticates an incoming-message webhook and enqueues one job per media. The signature is
 * checked before anything about the content, so an unauthenticated caller learns nothing from the
 * answer. Throws `WebhookError`s (4xx) or, when the queue fails, `QueueUnavailableError`.
 */
export const receiveWebhook = async (
  deps: ReceiveWebhookDeps,
  request: WebhookRequest,
): Promise<MediaJob[]> => {
  const { config } = deps;
  const receivedAt = (deps.now?.() ?? new Date()).toISOString();
  // The signature is checked with a secret of the account the request names, so that name is
  // read first; an account outside the served set is refused before any lookup or HMAC.
  const named = singleField(request.fields, 'AccountSid');
  const accountSid = named ?? config.accountSid;
  const settings = parseSignatureSettings(request.signatureSettings);
  if (settings.kind === 'auth-token') await verifyAuthTokenSignature(deps, request, accountSid);
  else verifySharedKeySignature(config, request, accountSid, settings);
  const jobs = mediaJobsFromWebhook(request.fields, {
    receivedAt,
    archiveAddresses: config.archiveAddresses,
    archiveMessageBody: config.archiveMessageBody === true,
    ...(config.participantKey ? { participantKey: config.participantKey } : {}),
  });
  if (jobs.length > 0) await deps.queue.enqueue(jobs);
  return jobs;
};

const verifyAuthTokenSignature = async (
  deps: ReceiveWebhookDeps,
  request: WebhookRequest,
  accountSid: string,
): Promise<void> => {
  const { config } = deps;
  const tokensFor = (tried?: readonly string[]) =>
    deps.tokens
      ? deps.tokens.tokensFor(accountSid, tried ? { afterMismatch: true, tried } : {})
      : Promise.resolve(accountSid === config.accountSid ? config.authTokens : undefined);
  const validWith = (authTokens: readonly string[]) =>
    isValidTwilioSignature({
      authTokens,
      url: request.url,
      params: request.fields,
      signature: request.signature,
    });
  const tokens = await tokensFor();
  if (tokens === undefined) {
    // Only a SID-shaped value is named in the log: the field is the caller's text.
    throw new ForeignAccountWebhookError(isAccountSid(accountSid) ? accountSid : undefined);
  }
  if (!validWith(tokens)) {
    // One more try only when a forced lookup learned a token not tried yet (a rotation).
    const refreshed = accountSid === config.accountSid ? undefined : await tokensFor(tokens);
    const fresh = refreshed?.filter((token) => !tokens.includes(token)) ?? [];
    if (fresh.length === 0 || !validWith(fresh)) {
      throw new SignatureMismatchError({
        signature: request.signature ? 'invalid' : 'missing',
        checkedUrl: request.url,
      });
    }
  }
};
