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

export type SignatureMismatchDetail =
  | { signature: 'missing' | 'invalid'; checkedUrl: string }
  /** Signed with a shared key: `problem` says why it was refused (never the key's secret). */
  | { signature: 'shared-key'; checkedUrl: string; problem: string };

const mismatchReason = (detail: SignatureMismatchDetail | undefined): string => {
  if (!detail) return 'X-Twilio-Signature missing or invalid';
  const url = loggableUrl(detail.checkedUrl);
  if (detail.signature === 'missing') return `X-Twilio-Signature missing (request for ${url})`;
  if (detail.signature === 'shared-key') {
    return `shared-key signature refused for ${url}: ${detail.problem} (TWILIO_WEBHOOK_SHARED_KEYS holds each account's keys)`;
  }
  return `X-Twilio-Signature invalid for ${url}: wrong auth token, or Twilio calls another URL (set PUBLIC_WEBHOOK_URL to exactly the URL Twilio calls)`;
};

/** Missing or wrong X-Twilio-Signature, or signature settings naming a key we do not hold. */
export class SignatureMismatchError extends WebhookError {
  readonly statusCode = 403;
  constructor(detail?: SignatureMismatchDetail) {
    super('Forbidden', { logReason: mismatchReason(detail) });
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

/**
 * A GET is a webhook Twilio was told to send that way (its fields in the query string): the answer,
 * which Twilio's debugger shows, names the fix. Other methods are not Twilio's.
 */
export const GET_WEBHOOK_FIX =
  'Method Not Allowed: set this webhook to HTTP POST in Twilio (the phone number or Messaging Service); GET webhooks are not accepted';

export class MethodNotAllowedError extends WebhookError {
  readonly statusCode = 405;
  constructor(method?: string) {
    super(method === 'GET' ? GET_WEBHOOK_FIX : 'Method Not Allowed', {
      headers: { Allow: 'POST' },
      logReason:
        method === 'GET'
          ? 'GET webhook refused: Twilio is configured to call with GET; set the method to POST'
          : `method ${method ?? 'unknown'} refused`.slice(0, 60),
    });
  }
}

/** Event Streams webhook sink: missing or wrong Basic credentials (nothing is read further). */
export class SinkUnauthorizedError extends WebhookError {
  readonly statusCode = 401;
  constructor(logReason: string) {
    super('Unauthorized', {
      logReason,
      headers: { 'WWW-Authenticate': 'Basic realm="twilio-events", charset="UTF-8"' },
    });
  }
}

/** Event Streams webhook sink: X-Twilio-Signature missing, or not Twilio's for this body. */
export class SinkSignatureError extends WebhookError {
  readonly statusCode = 403;
  constructor(detail: { signature: 'missing' | 'invalid'; checkedUrl: string }) {
    super('Forbidden', {
      logReason:
        detail.signature === 'missing'
          ? `X-Twilio-Signature missing (request for ${loggableUrl(detail.checkedUrl)})`
          : `X-Twilio-Signature invalid for ${loggableUrl(detail.checkedUrl)}: wrong auth token, a body changed on the way, or Twilio calls another URL (set PUBLIC_EVENTS_URL to the sink URL without its userinfo)`,
    });
  }
}
