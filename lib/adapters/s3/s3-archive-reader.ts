import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import pLimit from 'p-limit';
import { parseArchiveKey, parseMessageIndexEntry } from '../../domain/archive-key.ts';
import type { S3Evidence } from '../../domain/archive-proof.ts';
import {
  InvalidMessageRecordError,
  LEGACY_RECORD_FILE,
  legacyRecordKeyFor,
  parseMessageRecord,
  RECORDS_FOLDER,
  recordDayPrefix,
  recordKeyFor,
} from '../../domain/message-record.ts';
import {
  STORED_CHECKSUM_MISMATCH,
  StoredChecksumMismatchError,
} from '../../domain/read-verification.ts';
import { isAccountSid } from '../../domain/sids.ts';
import { type Day, dayPath } from '../../domain/utc-day.ts';
import type {
  ArchiveEntry,
  ArchiveEntryDetails,
  ArchivePage,
  ArchiveReader,
  ConditionalMedia,
  ConditionalRead,
  ListedRecord,
  MediaScope,
  MessageFiles,
  OpenedMedia,
  PresignedResponse,
  RecordLookup,
  StoredMessageRecord,
} from '../../ports/archive-reader.ts';
import { isNotFound, nameOf, statusOf } from './s3-common.ts';

export interface ArchiveReaderOptions {
  s3: S3Client;
  bucket: string;
  prefix: string;
  accountSid?: string;
  /** Called before every ListObjectsV2 page (progress display). */
  onListPage?: (prefix: string) => void;
}

/** HEADs in flight at once when a message is looked for on every day with records. */
const RECORD_LOOKUP_CONCURRENCY = 8;

/** S3's own word on the bytes; a composite SHA-256 (`…-N`) is marked so no one takes it as one. */
export const s3EvidenceOf = (output: {
  ChecksumSHA256?: string;
  ChecksumType?: string;
  ETag?: string;
  ServerSideEncryption?: string;
}): S3Evidence => {
  const type =
    output.ChecksumType ?? (output.ChecksumSHA256?.includes('-') ? 'COMPOSITE' : undefined);
  return {
    ...(output.ChecksumSHA256 ? { checksumSha256: output.ChecksumSHA256 } : {}),
    ...(type ? { checksumType: type } : {}),
    ...(output.ETag ? { etag: output.ETag } : {}),
    ...(output.ServerSideEncryption ? { serverSideEncryption: output.ServerSideEncryption } : {}),
  };
};

const metadataOf = (output: {
  ContentType?: string;
  Metadata?: Record<string, string>;
  ContentLength?: number;
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
  ObjectLockLegalHoldStatus?: string;
  ChecksumSHA256?: string;
  ChecksumType?: string;
  ETag?: string;
  ServerSideEncryption?: string;
}): ArchiveEntryDetails => {
  const meta = output.Metadata ?? {};
  const size = meta.size !== undefined ? Number(meta.size) : undefined;
  let originalFilename = meta['original-filename'];
  if (originalFilename !== undefined) {
    try {
      originalFilename = decodeURIComponent(originalFilename);
    } catch {
      // Not URI-encoded after all: keep it as stored.
    }
  }
  return {
    contentType: output.ContentType,
    receivedAt: meta['received-at'],
    originalFilename,
    // One-pass writes carry no sha256 metadata: S3's own full-object checksum is the digest.
    sha256:
      meta.sha256 ??
      (output.ChecksumSHA256 && output.ChecksumType !== 'COMPOSITE'
        ? Buffer.from(output.ChecksumSHA256, 'base64').toString('hex')
        : undefined),
    size: Number.isSafeInteger(size) ? size : undefined,
    ...(meta.sha256 !== undefined ? { metadataSha256: meta.sha256 } : {}),
    s3: s3EvidenceOf(output),
    ...(meta.from !== undefined ? { from: meta.from } : {}),
    ...(meta.to !== undefined ? { to: meta.to } : {}),
    ...(output.ObjectLockMode
      ? {
          retention: {
            mode: output.ObjectLockMode,
            until: output.ObjectLockRetainUntilDate?.toISOString(),
          },
        }
      : {}),
    ...(output.ObjectLockLegalHoldStatus === 'ON' || output.ObjectLockLegalHoldStatus === 'OFF'
      ? { legalHold: output.ObjectLockLegalHoldStatus }
      : {}),
  };
};

/** The SDK's own response check (checksum mode) fails a read with a plain Error of this wording. */
const isSdkChecksumMismatch = (error: unknown): boolean =>
  error instanceof Error && error.message.startsWith('Checksum mismatch');

/**
 * The body with the SDK's checksum failure turned into the typed error every read path knows.
 * Pulled only as its reader reads (no eager pipe): an error cannot fire before anyone listens.
 */
const typedBody = (key: string, body: Readable): Readable =>
  Readable.from(
    (async function* () {
      try {
        for await (const chunk of body) yield chunk as Buffer;
      } catch (error) {
        throw isSdkChecksumMismatch(error)
          ? new StoredChecksumMismatchError(key, { cause: error })
          : error;
      }
    })(),
    { objectMode: false },
  );

/** The SDK turns S3's 304 into an exception (no body to deserialize); it is a normal answer here. */
const isNotModified = (error: unknown): boolean =>
  statusOf(error) === 304 || nameOf(error) === 'NotModified';

/**
 * The paginator writes each page's token into one shared input object; a command of its own per
 * page keeps every request's input as it was sent (middleware, mocks and logs see the truth).
 */
export const ownInput = (command: { input: unknown }) =>
  new ListObjectsV2Command({ ...(command.input as ListObjectsV2CommandInput) });

export const createArchiveReader = (options: ArchiveReaderOptions): ArchiveReader => {
  const { s3, bucket, prefix } = options;

  async function* listPages(
    listPrefix: string,
    delimiter?: string,
  ): AsyncGenerator<ListObjectsV2CommandOutput> {
    const pages = paginateListObjectsV2(
      { client: s3, withCommand: ownInput },
      { Bucket: bucket, Prefix: listPrefix, ...(delimiter ? { Delimiter: delimiter } : {}) },
    );
    // Before every request, as the paginator sends the next one only when asked for it.
    options.onListPage?.(listPrefix);
    for await (const page of pages) {
      yield page;
      if (page.NextContinuationToken) options.onListPage?.(listPrefix);
    }
  }

  const entriesOf = (page: ListObjectsV2CommandOutput): ArchiveEntry[] => {
    const entries: ArchiveEntry[] = [];
    for (const object of page.Contents ?? []) {
      const parts = object.Key ? parseArchiveKey(prefix, object.Key) : undefined;
      if (parts)
        entries.push({ ...parts, size: object.Size ?? 0, archivedAt: object.LastModified });
    }
    return entries;
  };

  async function* listEntries(listPrefix: string): AsyncGenerator<ArchiveEntry> {
    for await (const page of listPages(listPrefix)) yield* entriesOf(page);
  }

  const accountsByDelimiter = async (): Promise<string[]> => {
    const found: string[] = [];
    for await (const page of listPages(prefix, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        const sid = common.Prefix?.slice(prefix.length, -1);
        if (isAccountSid(sid)) found.push(sid);
      }
    }
    return found;
  };

  /**
   * One single-key listing per first segment, jumping past each with StartAfter: for a store that
   * returns no CommonPrefixes when the objects lie deeper than one level below them (s3rver, the
   * local S3 before fauxqs, did); on S3 it only runs when the delimiter listing found no account.
   */
  const accountsBySkipScan = async (): Promise<string[]> => {
    const found: string[] = [];
    let startAfter: string | undefined;
    for (;;) {
      options.onListPage?.(prefix);
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          MaxKeys: 1,
          StartAfter: startAfter,
        }),
      );
      const key = page.Contents?.[0]?.Key;
      if (!key) return found;
      const segment = key.slice(prefix.length).split('/', 1)[0] ?? '';
      if (!key.slice(prefix.length).includes('/')) {
        startAfter = key;
        continue;
      }
      if (isAccountSid(segment)) found.push(segment);
      // '0' is the character after '/': the next key outside `{prefix}{segment}/`.
      startAfter = `${prefix}${segment}0`;
    }
  };

  let accountsCache: Promise<string[]> | undefined;
  const accounts = (): Promise<string[]> => {
    if (options.accountSid) return Promise.resolve([options.accountSid]);
    accountsCache ??= (async () => {
      const found = await accountsByDelimiter();
      return found.length > 0 ? found : accountsBySkipScan();
    })();
    return accountsCache;
  };

  const listDay = (accountSid: string, day: Day): AsyncGenerator<ArchiveEntry> =>
    listEntries(`${prefix}${accountSid}/${dayPath(day)}/`);

  const listDayPage = async (
    accountSid: string,
    day: Day,
    paging: { maxKeys?: number; continuationToken?: string } = {},
  ): Promise<ArchivePage> => {
    const listPrefix = `${prefix}${accountSid}/${dayPath(day)}/`;
    options.onListPage?.(listPrefix);
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: listPrefix,
        ...(paging.maxKeys !== undefined ? { MaxKeys: paging.maxKeys } : {}),
        ...(paging.continuationToken ? { ContinuationToken: paging.continuationToken } : {}),
      }),
    );
    return {
      entries: entriesOf(page),
      nextToken: page.IsTruncated ? page.NextContinuationToken : undefined,
    };
  };

  /** The record at its own key, as a listing would show it (one HEAD); `undefined` when none. */
  const headRecord = async (key: string): Promise<ListedRecord | undefined> => {
    try {
      const output = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { key, size: output.ContentLength ?? 0, archivedAt: output.LastModified };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };

  /** The sub-folders of a folder (one delimiter listing, page by page). */
  const foldersUnder = async (folder: string): Promise<string[]> => {
    const found: string[] = [];
    for await (const page of listPages(folder, '/')) {
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix) found.push(common.Prefix.slice(folder.length, -1));
      }
    }
    return found;
  };

  /** The days one account has records on: `_records/{AC}/` → years → months → days. */
  const recordDays = async (accountSid: string): Promise<Day[]> => {
    const root = `${prefix}${RECORDS_FOLDER}${accountSid}/`;
    const days: Day[] = [];
    for (const yyyy of (await foldersUnder(root)).filter((y) => /^\d{4}$/.test(y))) {
      for (const mm of (await foldersUnder(`${root}${yyyy}/`)).filter((m) => /^\d{2}$/.test(m))) {
        for (const dd of await foldersUnder(`${root}${yyyy}/${mm}/`)) {
          if (/^\d{2}$/.test(dd)) days.push(`${yyyy}-${mm}-${dd}`);
        }
      }
    }
    return days;
  };

  /**
   * Where a message without an index entry is: its record, HEADed on every day an account in scope
   * has records (a few delimiter listings find those days), a few at a time.
   */
  const recordedPlaces = async (
    messageSid: string,
  ): Promise<{ accountSid: string; day: Day; record: ListedRecord }[]> => {
    const limit = pLimit(RECORD_LOOKUP_CONCURRENCY);
    const found: { accountSid: string; day: Day; record: ListedRecord }[] = [];
    for (const accountSid of await accounts()) {
      const days = await recordDays(accountSid);
      const heads = await Promise.all(
        days.map((day) =>
          limit(async () => {
            const record = await headRecord(
              `${recordDayPrefix(prefix, accountSid, day)}${messageSid}.json`,
            );
            return record ? { accountSid, day, record } : undefined;
          }),
        ),
      );
      for (const place of heads) if (place) found.push(place);
    }
    return found;
  };

  /** The places `_index/{MessageSid}/` names (legacy archives, records off, dead letters). */
  const indexedPlaces = async (messageSid: string): Promise<{ accountSid: string; day: Day }[]> => {
    const places: { accountSid: string; day: Day }[] = [];
    const indexPrefix = `${prefix}_index/${messageSid}/`;
    for await (const page of listPages(indexPrefix)) {
      for (const object of page.Contents ?? []) {
        const place = parseMessageIndexEntry(object.Key?.slice(indexPrefix.length) ?? '');
        if (!place) continue;
        if (options.accountSid && place.accountSid !== options.accountSid) continue;
        places.push(place);
      }
    }
    return places;
  };

  const findMessageFiles = async (messageSid: string, day?: Day): Promise<MessageFiles> => {
    let places: { accountSid: string; day: Day; record?: ListedRecord }[] = [];
    if (day) {
      for (const accountSid of await accounts()) places.push({ accountSid, day });
    } else {
      places = await indexedPlaces(messageSid);
      if (places.length === 0) places = await recordedPlaces(messageSid);
    }
    const entries: ArchiveEntry[] = [];
    const records: ListedRecord[] = [];
    for (const place of places) {
      const messagePrefix = `${prefix}${place.accountSid}/${dayPath(place.day)}/${messageSid}/`;
      const found: ArchiveEntry[] = [];
      // The same listing shows a legacy record beside the media: no request of its own.
      for await (const page of listPages(messagePrefix)) {
        found.push(...entriesOf(page));
        for (const object of page.Contents ?? []) {
          if (object.Key === `${messagePrefix}${LEGACY_RECORD_FILE}`) {
            records.push({
              key: object.Key,
              size: object.Size ?? 0,
              archivedAt: object.LastModified,
            });
          }
        }
      }
      entries.push(...found);
      // A record is written only after its media: where none are, no HEAD is spent on it.
      const record =
        place.record ??
        (found.length > 0
          ? await headRecord(
              `${recordDayPrefix(prefix, place.accountSid, place.day)}${messageSid}.json`,
            )
          : undefined);
      if (record) records.push(record);
    }
    return { entries, records };
  };

  const findMessage = async (messageSid: string, day?: Day): Promise<ArchiveEntry[]> =>
    (await findMessageFiles(messageSid, day)).entries;

  const findMedia = async (
    mediaSid: string,
    scope: MediaScope,
  ): Promise<ArchiveEntry | undefined> => {
    if ('messageSid' in scope) {
      const entries = await findMessage(scope.messageSid, scope.day);
      return entries.find((entry) => entry.mediaSid === mediaSid);
    }
    for (const day of scope.days) {
      for (const accountSid of await accounts()) {
        for await (const entry of listDay(accountSid, day)) {
          if (entry.mediaSid === mediaSid) return entry;
        }
      }
    }
    return undefined;
  };

  const describe = async (key: string): Promise<ArchiveEntryDetails> =>
    metadataOf(
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' })),
    );

  const open = async (key: string): Promise<OpenedMedia> => {
    // Checksum mode: S3's stored SHA-256 comes with the bytes, for the caller to compare.
    const output = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
    );
    return {
      ...metadataOf(output),
      body: typedBody(key, output.Body as Readable),
      contentLength: output.ContentLength,
    };
  };

  const openConditional = async (key: string, read: ConditionalRead): Promise<ConditionalMedia> => {
    // RFC 9110: with If-None-Match present, If-Modified-Since is ignored; S3 would combine them.
    const conditions = {
      ...(read.ifNoneMatch !== undefined ? { IfNoneMatch: read.ifNoneMatch } : {}),
      ...(read.ifNoneMatch === undefined && read.ifModifiedSince
        ? { IfModifiedSince: read.ifModifiedSince }
        : {}),
      ...(read.range !== undefined ? { Range: read.range } : {}),
    };
    try {
      const output = read.headOnly
        ? await s3.send(
            new HeadObjectCommand({
              Bucket: bucket,
              Key: key,
              ChecksumMode: 'ENABLED',
              ...conditions,
            }),
          )
        : await s3.send(
            new GetObjectCommand({
              Bucket: bucket,
              Key: key,
              // A range has no checksum of its own: only whole reads ask for S3's.
              ...(read.range === undefined ? { ChecksumMode: 'ENABLED' as const } : {}),
              ...conditions,
            }),
          );
      return {
        ...metadataOf(output),
        notModified: false,
        body: 'Body' in output && output.Body ? typedBody(key, output.Body as Readable) : undefined,
        contentLength: output.ContentLength,
        contentRange: 'ContentRange' in output ? output.ContentRange : undefined,
        etag: output.ETag,
        lastModified: output.LastModified,
      };
    } catch (error) {
      if (isNotModified(error)) return { notModified: true };
      throw error;
    }
  };

  const presignGet = (
    key: string,
    expiresInSeconds: number,
    response: PresignedResponse = {},
  ): Promise<string> =>
    getSignedUrl(
      s3,
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(response.contentDisposition
          ? { ResponseContentDisposition: response.contentDisposition }
          : {}),
        ...(response.contentType ? { ResponseContentType: response.contentType } : {}),
      }),
      { expiresIn: expiresInSeconds },
    );

  /** One GET (checksum mode) of a record key: absent, found, or unreadable. */
  const readRecord = async (key: string): Promise<RecordLookup> => {
    let output: GetObjectCommandOutput;
    try {
      output = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
    } catch (error) {
      if (isNotFound(error)) return { state: 'absent', key };
      throw error;
    }
    let bytes: Buffer;
    try {
      bytes = Buffer.from((await output.Body?.transformToByteArray()) ?? []);
    } catch (error) {
      if (!isSdkChecksumMismatch(error)) throw error;
      return { state: 'unreadable', key, reason: STORED_CHECKSUM_MISMATCH };
    }
    try {
      const record = parseMessageRecord(bytes.toString('utf8'));
      return { state: 'found', key, bytes, record, s3: s3EvidenceOf(output) };
    } catch (error) {
      if (error instanceof InvalidMessageRecordError) {
        return { state: 'unreadable', key, reason: error.message };
      }
      throw error;
    }
  };

  /**
   * The record at its own key (one GET), else where archives before `_records/` kept it, beside
   * the media (a second GET only when the first found nothing).
   */
  const messageRecordOf = async (mediaKey: string): Promise<RecordLookup> => {
    const found = await readRecord(recordKeyFor(mediaKey));
    if (found.state !== 'absent') return found;
    const legacy = await readRecord(legacyRecordKeyFor(mediaKey));
    return legacy.state === 'absent' ? found : legacy;
  };

  const messageRecords = async (
    entries: readonly ArchiveEntry[],
  ): Promise<StoredMessageRecord[]> => {
    const firstOf = new Map(entries.map((entry) => [recordKeyFor(entry.key), entry.key]));
    const found: StoredMessageRecord[] = [];
    for (const mediaKey of firstOf.values()) {
      const lookup = await messageRecordOf(mediaKey);
      if (lookup.state !== 'found') continue;
      found.push({ key: lookup.key, size: lookup.bytes.length, record: lookup.record });
    }
    return found;
  };

  return {
    messageRecordOf,
    messageRecords,
    findMessageFiles,
    accounts,
    listDay,
    listDayPage,
    findMessage,
    findMedia,
    describe,
    open,
    openConditional,
    presignGet,
  };
};
