import { loggableUrl } from './loggable-url.ts';

/**
 * Refusals of an incoming webhook. They carry `statusCode` and `expose` the way @middy/util's
 * `createError` does, so @middy/http-error-handler renders `message` as a one-line plain-text body.
 * Messages never echo what the caller sent.
 */
export abstract class WebhookError extends Error {
  abstract readonly statusCode: number;
  readonly expose = true;
  readonly headers?: Record<string, string>;
  /** Why, for the log only (the answer stays terse): never a token, signature, address or body. */
  readonly logReason: string;
  constructor(
    message: string,
    options?: ErrorOptions & { headers?: Record<string, string>; logReason?: string },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.logReason = options?.logReason ?? message;
    if (options?.headers) this.headers = options.headers;
  }
}

/** Malformed input: not a form, bad SIDs, bad NumMedia, a media URL that is not this message's. */
export class InvalidWebhookError extends WebhookError {
  readonly statusCode = 400;
}

/** Missing or wrong X-Twilio-Signature. */
export class SignatureMismatchError extends WebhookError {
  readonly statusCode = 403;
  constructor(detail?: { signature: 'missing' | 'invalid'; checkedUrl: string }) {
    super('Forbidden', {
      logReason: !detail
        ? 'X-Twilio-Signature missing or invalid'
        : detail.signature === 'missing'
          ? `X-Twilio-Signature missing (request for ${loggableUrl(detail.checkedUrl)})`
          : `X-Twilio-Signature invalid for ${loggableUrl(detail.checkedUrl)}: wrong auth token, or Twilio calls another URL (set PUBLIC_WEBHOOK_URL to exactly the URL Twilio calls)`,
    });
  }
}

/** For an account this deployment does not archive (refused before the signature is checked). */
export class ForeignAccountWebhookError extends WebhookError {
  readonly statusCode = 403;
  constructor(accountSid?: string) {
    super('Forbidden', {
      logReason: `webhook for an account not served${accountSid ? ` (${accountSid.slice(0, 34)})` : ''}: this deployment archives TWILIO_ACCOUNT_SID and the TWILIO_SUBACCOUNTS it allows`,
    });
  }
}

export class PayloadTooLargeError extends WebhookError {
  readonly statusCode = 413;
}

export class MethodNotAllowedError extends WebhookError {
  readonly statusCode = 405;
  constructor() {
    super('Method Not Allowed', { headers: { Allow: 'POST' } });
  }
}
