/**
 * Error hierarchy shared by every layer. The SQS consumer decides retry vs dead-letter from the
 * class alone, so every failure that leaves an adapter must be one of these.
 */
export abstract class ArchiverError extends Error {
  abstract readonly permanent: boolean;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Retrying cannot help: bad job, another account, too large, media that never existed. */
export class PermanentError extends ArchiverError {
  readonly permanent = true;
}

/** Retrying later may succeed: throttling, network, 5xx, S3 outages, propagation delays. */
export class TransientError extends ArchiverError {
  readonly permanent = false;
  /** Seconds the caller should wait before retrying, when the remote said so (Retry-After). */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options?: ErrorOptions & { retryAfterSeconds?: number }) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export class InvalidJobError extends PermanentError {}
export class ForeignAccountError extends PermanentError {}
export class MediaTooLargeError extends PermanentError {}
export class MediaNotFoundError extends PermanentError {}
/** 401/403 from Twilio: a configuration problem; retried (someone may fix the secret) but loud. */
export class TwilioAuthError extends TransientError {}
export class TwilioThrottledError extends TransientError {}
export class TwilioUnavailableError extends TransientError {}
/** 404 right after a message arrives: Twilio is still propagating the asset. */
export class MediaNotYetAvailableError extends TransientError {}
/** Twilio 20009: the parent message is not final yet, so its media cannot be deleted. */
export class MediaNotDeletableYetError extends TransientError {}
export class TruncatedMediaError extends TransientError {}
export class StorageUnavailableError extends TransientError {}
/**
 * No proof that S3 holds exactly Twilio's bytes (see `archive-proof.ts`): the media stays at
 * Twilio. Retried, since a fresh download or write may bring the proof; dead-lettered at the end.
 */
export class UnprovenArchiveError extends TransientError {}
/** S3 answered, but what it holds does not match what we streamed (or it confirmed nothing). */
export class VerificationFailedError extends UnprovenArchiveError {}
/** Two downloads of a body without a usable Content-Length gave different bytes. */
export class UnstableMediaError extends UnprovenArchiveError {}
/** The media host used a Content-Encoding fetch cannot decode: the bytes would not be the media. */
export class UnsupportedEncodingError extends PermanentError {}
/**
 * Another object sits at the archive key and the bucket keeps no old versions: replacing it would
 * destroy it. The media stays at Twilio for a person to look at.
 */
export class OverwriteRefusedError extends PermanentError {}
export class UnsafeRedirectError extends PermanentError {}
export class QueueUnavailableError extends TransientError {}
/** A list's `next_page_uri` names a page already read: following it would loop forever. */
export class RepeatedPageError extends PermanentError {}

export const isPermanent = (error: unknown): boolean =>
  error instanceof ArchiverError && error.permanent;
/** Twilio 20009 on a redaction: the message is not final yet; try again later. */
export class MessageNotRedactableYetError extends TransientError {}
/** A message record at the key describes other media: it is kept, never overwritten. */
export class MessageRecordConflictError extends PermanentError {}
