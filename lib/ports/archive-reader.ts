import type { Readable } from 'node:stream';
import type { ArchiveKeyParts } from '../domain/archive-key.ts';
import type { S3Evidence } from '../domain/archive-proof.ts';
import type { MessageRecord } from '../domain/message-record.ts';
import type { Day } from '../domain/utc-day.ts';

/** The archive as its readers (CLI, browser) see it; lib/adapters/s3/s3-archive-reader.ts implements it. */

/** One archived media as a listing shows it: the key's parts, plus what the listing adds. */
export interface ArchiveEntry extends ArchiveKeyParts {
  size: number;
  /** When S3 stored the object (the archive time, not the receipt time). */
  archivedAt: Date | undefined;
}

/** What a HEAD adds: the archiver's user metadata. */
export interface ArchiveEntryDetails {
  contentType: string | undefined;
  receivedAt: string | undefined;
  originalFilename: string | undefined;
  /** For display: the metadata's SHA-256, else S3's full-object one. Never proof on its own. */
  sha256: string | undefined;
  /** `x-amz-meta-size`. */
  size: number | undefined;
  /** `x-amz-meta-sha256` exactly as written (no fallback): a claim to compare, not proof. */
  metadataSha256?: string | undefined;
  /** S3's own checksum and ETag (`ChecksumMode: ENABLED`); absent where the read did not ask. */
  s3?: S3Evidence;
  /** Only archived with ARCHIVE_ADDRESSES=true; absent otherwise. */
  from?: string;
  to?: string;
  /** Object Lock, as HEAD shows it (needs s3:GetObjectRetention / s3:GetObjectLegalHold). */
  retention?: { mode: string; until: string | undefined };
  legalHold?: 'ON' | 'OFF';
}

export interface OpenedMedia extends ArchiveEntryDetails {
  body: Readable;
  contentLength: number | undefined;
}

/** One page of a day listing; `nextToken` continues it (S3's ContinuationToken). */
export interface ArchivePage {
  entries: ArchiveEntry[];
  nextToken: string | undefined;
}

/** A conditional (and possibly partial) read: what a browser sends, passed through to S3. */
export interface ConditionalRead {
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  /** `bytes=…` as the client sent it. */
  range?: string;
  /** HEAD: validators and metadata, no body. */
  headOnly?: boolean;
}

/** S3's answer to a conditional read: 304 becomes `notModified` instead of an error. */
export type ConditionalMedia =
  | { notModified: true }
  | (ArchiveEntryDetails & {
      notModified: false;
      /** Undefined for `headOnly`. */
      body: Readable | undefined;
      contentLength: number | undefined;
      contentRange: string | undefined;
      etag: string | undefined;
      lastModified: Date | undefined;
    });

/** Where `findMedia` looks, cheapest first. */
export type MediaScope =
  | { messageSid: string; day?: Day }
  | { days: readonly Day[] /* newest first */ };

export interface ArchiveReader {
  /** `--account`/TWILIO_ACCOUNT_SID, else the `AC…/` prefixes under the archive prefix. */
  accounts(): Promise<string[]>;
  /** Every media of one account and day, page by page (never more than one page in memory). */
  listDay(accountSid: string, day: Day): AsyncGenerator<ArchiveEntry>;
  /** One page (≤ `maxKeys`) of a day listing, for callers that page on demand (the browser). */
  listDayPage(
    accountSid: string,
    day: Day,
    page?: { maxKeys?: number; continuationToken?: string },
  ): Promise<ArchivePage>;
  /**
   * A message's media. With its day: one listing per account. Without: one listing of the index
   * `_index/{MessageSid}/` for the day and account (legacy archives, records off, dead letters);
   * where it names none, a HEAD of `_records/{AC}/{day}/{MessageSid}.json` on every day an account
   * has records (found with delimiter listings). Then one listing of the message prefix.
   */
  findMessage(messageSid: string, day?: Day): Promise<ArchiveEntry[]>;
  findMedia(mediaSid: string, scope: MediaScope): Promise<ArchiveEntry | undefined>;
  describe(key: string): Promise<ArchiveEntryDetails>;
  open(key: string): Promise<OpenedMedia>;
  /** GetObject (or HeadObject) with the client's validators and range; 304 is an answer. */
  openConditional(key: string, read: ConditionalRead): Promise<ConditionalMedia>;
  /** `response` overrides are signed into the URL (`response-content-disposition`, …). */
  presignGet(key: string, expiresInSeconds: number, response?: PresignedResponse): Promise<string>;
  /**
   * The records of these media's messages (as `messageRecordOf`), one lookup per message; those
   * absent or unreadable are left out.
   */
  messageRecords?(entries: readonly ArchiveEntry[]): Promise<StoredMessageRecord[]>;
  /**
   * The record of one media's message, checksum mode: at its own key `_records/…` (one GET), else
   * beside the media as archives before issue 26 wrote it (`…/{MessageSid}/message.json`, a second
   * GET). Absent (with the `_records/` key), found with its bytes and S3's evidence for them, or
   * unreadable (not JSON, not a record) — never silently dropped.
   */
  messageRecordOf(mediaKey: string): Promise<RecordLookup>;
  /** `findMessage` with the message's records: legacy ones its listings saw, and a HEAD of its own. */
  findMessageFiles?(messageSid: string, day?: Day): Promise<MessageFiles>;
}

/** A message record as a listing shows it. */
export interface ListedRecord {
  key: string;
  size: number;
  archivedAt: Date | undefined;
}

export interface MessageFiles {
  entries: ArchiveEntry[];
  records: ListedRecord[];
}

export interface StoredMessageRecord {
  key: string;
  size: number;
  record: MessageRecord;
}

export type RecordLookup =
  | { state: 'absent'; key: string }
  | { state: 'found'; key: string; bytes: Buffer; record: MessageRecord; s3: S3Evidence }
  | { state: 'unreadable'; key: string; reason: string };

export interface PresignedResponse {
  contentDisposition?: string;
  contentType?: string;
}
