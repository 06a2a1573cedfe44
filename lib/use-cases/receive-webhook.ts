import type { WebhookConfig } from '../config/lambda.ts';
import type { MediaJob } from '../domain/media-job.ts';
import { isAccountSid } from '../domain/sids.ts';
import { isValidTwilioSignature } from '../domain/twilio-signature.ts';
import { ForeignAccountWebhookError, SignatureMismatchError } from '../domain/webhook-errors.ts';
import { mediaJobsFromWebhook, singleField, type WebhookFields } from '../domain/webhook-form.ts';
import type { AccountTokens, JobQueue } from '../ports/pipeline.ts';

export interface ReceiveWebhookDeps {
  queue: JobQueue;
  /** Tokens per account (main + allowed subaccounts); absent = the main account's only. */
  tokens?: AccountTokens;
  config: Pick<
    WebhookConfig,
    'accountSid' | 'authTokens' | 'archiveAddresses' | 'archiveMessageBody' | 'participantKey'
  >;
  now?: () => Date;
}

export interface WebhookRequest {
  /** The URL Twilio signed (the configured public URL, or one rebuilt from the request). */
  url: string;
  fields: WebhookFields;
  signature: string | undefined;
}

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
  // The signature is checked with the token of the account the request names, so that name is
  // read first; an account outside the served set is refused before any lookup or HMAC.
  const named = singleField(request.fields, 'AccountSid');
  const accountSid = named ?? config.accountSid;
  const tokensFor = (afterMismatch: boolean) =>
    deps.tokens
      ? deps.tokens.tokensFor(accountSid, { afterMismatch })
      : Promise.resolve(accountSid === config.accountSid ? config.authTokens : undefined);
  const validWith = (authTokens: readonly string[]) =>
    isValidTwilioSignature({
      authTokens,
      url: request.url,
      params: request.fields,
      signature: request.signature,
    });
  const tokens = await tokensFor(false);
  if (tokens === undefined) {
    // Only a SID-shaped value is named in the log: the field is the caller's text.
    throw new ForeignAccountWebhookError(isAccountSid(accountSid) ? accountSid : undefined);
  }
  if (!validWith(tokens)) {
    // One more try only when a forced lookup learned a token not tried yet (a rotation).
    const refreshed = accountSid === config.accountSid ? undefined : await tokensFor(true);
    const fresh = refreshed?.filter((token) => !tokens.includes(token)) ?? [];
    if (fresh.length === 0 || !validWith(fresh)) {
      throw new SignatureMismatchError({
        signature: request.signature ? 'invalid' : 'missing',
        checkedUrl: request.url,
      });
    }
  }
  const jobs = mediaJobsFromWebhook(request.fields, {
    receivedAt,
    archiveAddresses: config.archiveAddresses,
    archiveMessageBody: config.archiveMessageBody === true,
    ...(config.participantKey ? { participantKey: config.participantKey } : {}),
  });
  if (jobs.length > 0) await deps.queue.enqueue(jobs);
  return jobs;
};
