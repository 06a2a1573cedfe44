import type { Readable } from 'node:stream';
import type { S3Proof } from '../domain/archive-proof.ts';
import type { MediaJob } from '../domain/media-job.ts';
import type { Participant } from '../domain/participant.ts';

/** Identifies one Media resource at Twilio. */
export interface MediaRef {
  accountSid: string;
  messageSid: string;
  mediaSid: string;
}

/** Validators of a copy we already hold, for a conditional GET (ETag-aware cache). */
export interface SourceValidators {
  etag?: string;
  lastModified?: string;
}

export interface MediaDownload {
  status: 'ok';
  /** The content stream; the consumer must read it to the end or destroy it. */
  body: Readable;
  contentType: string;
  /**
   * Announced by the CDN; a body that ends short of it is a truncated download. Absent when the
   * body came with a `Content-Encoding` (the length then counts the encoded bytes).
   */
  contentLength?: number;
  /** The `Content-Encoding` fetch decoded (`gzip`, `br`, …), when the host sent one. */
  contentEncoding?: string;
  etag?: string;
  lastModified?: string;
  /** From `Content-Disposition`, sanitised to a plain file name. */
  filename?: string;
}

export interface MediaNotModified {
  status: 'not-modified';
}

/** Twilio's Media resource, as the archiver needs it. Adapter: `twilio-media-source.ts`. */
export interface MediaSource {
  /**
   * GET the content with credentials on the API origin, follow the redirect to the CDN without them.
   * Throws `TransientError`/`PermanentError` subclasses; never returns an error status.
   */
  fetchMedia(
    ref: MediaRef,
    options?: { validators?: SourceValidators; signal?: AbortSignal },
  ): Promise<MediaDownload | MediaNotModified>;
  /** DELETE the Media resource. 204 → 'deleted', 404 → 'already-gone'. */
  deleteMedia(ref: MediaRef): Promise<'deleted' | 'already-gone'>;
}

/** User metadata stored with every archived object (S3 `x-amz-meta-*`, lower-case keys). */
export interface ArchiveMetadata {
  'account-sid': string;
  'message-sid': string;
  'media-sid': string;
  /**
   * Hex SHA-256 of the content, on spooled writes. A one-pass write sends its headers before the
   * last byte: it has none, and S3's own stored checksum (`ChecksumMode`) is the digest.
   */
  sha256?: string;
  /** Decimal byte count. */
  size: string;
  /** Hex MD5 of the content (copies written before one-pass writes): an MD5 ETag proves them. */
  md5?: string;
  'received-at': string;
  'source-etag'?: string;
  'source-last-modified'?: string;
  'original-filename'?: string;
  from?: string;
  to?: string;
}

export interface StoredObject {
  key: string;
  size: number;
  contentType?: string;
  etag?: string;
  lastModified?: Date;
  /** Base64 SHA-256 S3 itself stored (HEAD with `ChecksumMode: ENABLED`); absent when none. */
  checksumSha256?: string;
  /** `FULL_OBJECT` or `COMPOSITE` (multipart). */
  checksumType?: string;
  /** `AES256`, `aws:kms`, …: under KMS the ETag is not an MD5. */
  serverSideEncryption?: string;
  metadata: Partial<ArchiveMetadata> & Record<string, string>;
}

export interface PutArchiveObject {
  key: string;
  /**
   * Exactly `size` bytes: a re-readable spool, or (`oneShot`) the download itself, which errors
   * before its end when it delivers another length.
   */
  body: () => Readable;
  size: number;
  /** Hex SHA-256 of what `body` delivered: at once for a spool, at its end for a download. */
  sha256Hex: () => Promise<string>;
  /** The body is the download piped straight through: sent once, never retried by the store. */
  oneShot?: boolean;
  contentType: string;
  metadata: ArchiveMetadata;
  /** Conditional create (`If-None-Match: *`): an existing object is reported, never overwritten. */
  ifNoneMatch?: boolean;
  /** The invocation's deadline: a write still running then is abandoned (and retried later). */
  signal?: AbortSignal;
}

export type PutResult =
  | {
      outcome: 'created';
      /** Where S3's confirmation came from: the PUT's answer, or a HEAD after it. */
      verifiedBy: 'checksum' | 'head';
      /** What S3 itself confirmed (`archive-proof.ts`); never metadata. */
      proof: S3Proof;
      etag?: string;
    }
  | { outcome: 'exists' };

/** The archive bucket. Adapter: `s3-archive-store.ts`. */
export interface ArchiveStore {
  /** HEAD (with S3's stored checksum where it has one); `undefined` when the key does not exist. */
  head(key: string): Promise<StoredObject | undefined>;
  /**
   * One write; resolves only once S3 itself confirmed it holds exactly these bytes (checksum echo,
   * MD5 ETag or, where the answer gives neither, a HEAD reading S3's stored checksum).
   * Throws `StorageUnavailableError`/`VerificationFailedError`.
   */
  put(object: PutArchiveObject): Promise<PutResult>;
  /**
   * Whether a replaced object stays as a noncurrent version (bucket versioning `Enabled`). Any
   * doubt (no permission, a stand-in without versioning) answers false.
   */
  keepsOldVersions(): Promise<boolean>;
  /** Zero-byte marker object (the per-message index). Idempotent. */
  putMarker(key: string, metadata: Record<string, string>): Promise<void>;
}

/** SQS takes at most 10 entries per batch call (send, delete, visibility) and 10 per receive. */
export const SQS_BATCH_LIMIT = 10;

/** The media job queue. Adapter: `sqs-job-queue.ts`. */
export interface JobQueue {
  /** All or nothing from the caller's view: throws `QueueUnavailableError` if any entry failed. */
  enqueue(jobs: readonly MediaJob[]): Promise<void>;
}

/** Where permanently failed jobs go, with their reason. Adapter: `sqs-dead-letter.ts`. */
export interface DeadLetter {
  send(body: string, reason: string, errorName: string): Promise<void>;
}

/** Failed queue messages whose next delivery should wait longer. Adapter: `sqs-retry-scheduler.ts`. */
export interface RetryScheduler {
  /** Sets each message's visibility timeout; best effort (the caller logs a failure). */
  postpone(
    entries: readonly { receiptHandle: string; visibilityTimeoutSeconds: number }[],
  ): Promise<void>;
}

/** A message as the Messages list shows it, reduced to what backfill and reconcile need. */
export interface CatalogMessage {
  sid: string;
  /** `inbound`, `outbound-api`, `outbound-call`, `outbound-reply`. */
  direction: string;
  status: string;
  /** ISO-8601 UTC (Twilio sends RFC 2822). */
  dateCreated: string;
  /** ISO-8601 UTC; absent when Twilio never sent it (`date_sent` null: failed, canceled, scheduled). */
  dateSent?: string;
  /** Twilio sends it as a string; parsed, 0 when unreadable. */
  numMedia: number;
  /** `num_segments`; absent when unreadable. */
  numSegments?: number;
  /** `messaging_service_sid` (MG…); absent when none. */
  messagingServiceSid?: string;
  /** Only read with ARCHIVE_MESSAGE_BODY=true. */
  body?: string;
  /** Only read with ARCHIVE_ADDRESSES=true. */
  from?: string;
  to?: string;
  /** `from`/`to` as keyed pseudonyms (with ARCHIVE_PARTICIPANT_KEY). */
  participants?: Participant[];
}

export interface CatalogMedia {
  sid: string;
  contentType: string;
}

export interface MessagePage {
  messages: CatalogMessage[];
  /** Relative `next_page_uri`, already checked to stay on the account; `null` on the last page. */
  nextPageUri: string | null;
}

/** Twilio's Messages and Media lists. Adapter: `twilio-catalog.ts`. */
export interface MessageCatalog {
  /**
   * The first page of messages sent on one UTC day (`DateSent`), of every message newest first
   * (no `day`), or the page a `next_page_uri` names.
   */
  listMessages(
    query: { day?: string; pageSize: number } | { pageUri: string },
    signal?: AbortSignal,
  ): Promise<MessagePage>;
  /** Every media still attached to the message (all pages). */
  listMedia(messageSid: string, signal?: AbortSignal): Promise<CatalogMedia[]>;
}

/** One Message resource (`…/Messages/{SM}.json`). Adapter: `twilio-catalog.ts`. */
export interface MessageLookup {
  /** The message as the Messages list would show it; `undefined` when Twilio has none (404). */
  getMessage(messageSid: string, signal?: AbortSignal): Promise<CatalogMessage | undefined>;
}

/** Key listings of the archive: the cheap "already archived?" check. Adapter: `s3-archive-listing.ts`. */
export interface ArchiveListing {
  /** Every key under `prefix`, all pages. */
  keysUnder(prefix: string): Promise<string[]>;
}

/** Message records beside the media. Adapter: `s3-message-record-store.ts`. */
export interface MessageRecordStore {
  /** HEAD in checksum mode: S3's own evidence (`archive-proof.ts`) and the metadata. */
  headWithChecksum(key: string): Promise<StoredObject | undefined>;
  /**
   * Create-only write (`If-None-Match: *`), carrying Content-MD5 and x-amz-checksum-sha256;
   * resolves `created` only once S3 confirmed the bytes, `exists` when a record was there.
   */
  putRecord(key: string, text: string): Promise<'created' | 'exists'>;
  /** GET in checksum mode (the SDK checks S3's checksum of the bytes); `undefined` if absent. */
  getRecord(key: string): Promise<string | undefined>;
}

/** The body Twilio holds for a message now (`gone`: Twilio has no such message, 404). */
export type HeldBody = { status: 'found'; body: string } | { status: 'gone' };

/** Reads and blanks a message body at Twilio. Adapter: `twilio-message-redactor.ts`. */
export interface MessageRedactor {
  /** GET the Message (`.json`): what Twilio holds, the only body a redaction may be judged by. */
  readBody(ref: { accountSid: string; messageSid: string }): Promise<HeldBody>;
  /** POST the Message with an empty Body. 404 → 'already-gone'; 20009 → transient error. */
  redactBody(ref: { accountSid: string; messageSid: string }): Promise<'redacted' | 'already-gone'>;
}

/** A Twilio account as the Accounts resource describes it (2010 API). */
export interface TwilioAccount {
  sid: string;
  /** The main account that owns it; itself for a main account. */
  ownerAccountSid: string;
  /** `active`, `suspended` or `closed`. */
  status: string;
  friendlyName: string;
  /** ISO-8601 UTC. */
  dateCreated: string;
  dateUpdated: string;
}

/** The main account's view of its subaccounts. Adapter: `twilio-account-directory.ts`. */
export interface AccountDirectory {
  /** Every subaccount the main account owns (all pages), the main account itself excluded. */
  listSubaccounts(signal?: AbortSignal): Promise<TwilioAccount[]>;
  /** One subaccount with its primary auth token; `undefined` when it is not the main's. */
  getSubaccount(
    sid: string,
    signal?: AbortSignal,
  ): Promise<(TwilioAccount & { authToken: string }) | undefined>;
}

/** Which tokens validate the webhooks of one account. Built by `lib/use-cases/account-tokens.ts`. */
export interface AccountTokens {
  /**
   * Tokens, newest first; `undefined` when this deployment does not serve the account.
   * `afterMismatch`: a signature just failed with the tokens given before, so a lookup may be due;
   * `tried`: those tokens, as this call returned them. When they came straight from a lookup made
   * for this request, no lookup is forced: Twilio would be asked the same question twice.
   * Throws a `TransientError` when Twilio cannot tell and nothing usable is cached.
   */
  tokensFor(
    accountSid: string,
    options?: { afterMismatch?: boolean; tried?: readonly string[] },
  ): Promise<string[] | undefined>;
}

/** The outcome of one reconcile run, kept where `media-archive doctor` can read it. */
export interface ReconcileRunStatus {
  finishedAt: string;
  complete: boolean;
  since: string;
  until: string;
  direction: string;
  counts: Record<string, number | null>;
}

export interface ReconcileStatusSink {
  record(status: ReconcileRunStatus): Promise<void>;
}
