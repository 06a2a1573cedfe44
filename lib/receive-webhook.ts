import type { WebhookConfig } from './config.ts';
import type { MediaJob } from './domain/media-job.ts';
import { isAccountSid } from './domain/sids.ts';
import { isValidTwilioSignature } from './domain/twilio-signature.ts';
import { ForeignAccountWebhookError, SignatureMismatchError } from './domain/webhook-errors.ts';
import { mediaJobsFromWebhook, singleField, type WebhookFields } from './domain/webhook-form.ts';
import type { JobQueue } from './ports.ts';

export interface ReceiveWebhookDeps {
  queue: JobQueue;
  config: Pick<WebhookConfig, 'accountSid' | 'authTokens' | 'archiveAddresses'>;
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
  const signed = isValidTwilioSignature({
    authTokens: config.authTokens,
    url: request.url,
    params: request.fields,
    signature: request.signature,
  });
  if (!signed) {
    throw new SignatureMismatchError({
      signature: request.signature ? 'invalid' : 'missing',
      checkedUrl: request.url,
    });
  }
  const accountSid = singleField(request.fields, 'AccountSid');
  if (accountSid !== undefined && accountSid !== config.accountSid) {
    // Only a SID-shaped value is named in the log: the field is the caller's text.
    throw new ForeignAccountWebhookError(isAccountSid(accountSid) ? accountSid : undefined);
  }
  const jobs = mediaJobsFromWebhook(request.fields, {
    receivedAt,
    archiveAddresses: config.archiveAddresses,
  });
  if (jobs.length > 0) await deps.queue.enqueue(jobs);
  return jobs;
};
