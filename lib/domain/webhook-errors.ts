/**
 * Refusals of an incoming webhook. They carry `statusCode` and `expose` the way @middy/util's
 * `createError` does, so @middy/http-error-handler renders `message` as a one-line plain-text body.
 * Messages never echo what the caller sent.
 */
export abstract class WebhookError extends Error {
  abstract readonly statusCode: number;
  readonly expose = true;
  readonly headers?: Record<string, string>;
  constructor(message: string, options?: ErrorOptions & { headers?: Record<string, string> }) {
    super(message, options);
    this.name = new.target.name;
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
  constructor() {
    super('Forbidden');
  }
}

/** Correctly signed, but for an account this deployment does not archive. */
export class ForeignAccountWebhookError extends WebhookError {
  readonly statusCode = 403;
  constructor() {
    super('Forbidden');
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
