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
import { parseArchiveKey, parseMessageIndexEntry } from '../../domain/archive-key.ts';
import type { S3Evidence } from '../../domain/archive-proof.ts';
import {
  InvalidMessageRecordError,
  MESSAGE_RECORD_FILE,
  parseMessageRecord,
  recordKeyBeside,
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

  const findMessageFiles = async (messageSid: string, day?: Day): Promise<MessageFiles> => {
    const places: { accountSid: string; day: Day }[] = [];
    if (day) {
      for (const accountSid of await accounts()) places.push({ accountSid, day });
    } else {
      const indexPrefix = `${prefix}_index/${messageSid}/`;
      for await (const page of listPages(indexPrefix)) {
        for (const object of page.Contents ?? []) {
          const place = parseMessageIndexEntry(object.Key?.slice(indexPrefix.length) ?? '');
          if (!place) continue;
          if (options.accountSid && place.accountSid !== options.accountSid) continue;
          places.push(place);
        }
      }
    }
    const entries: ArchiveEntry[] = [];
    const records: ListedRecord[] = [];
    for (const place of places) {
      const messagePrefix = `${prefix}${place.accountSid}/${dayPath(place.day)}/${messageSid}/`;
      // The same listing shows the message record: no request of its own.
      for await (const page of listPages(messagePrefix)) {
        entries.push(...entriesOf(page));
        for (const object of page.Contents ?? []) {
          if (object.Key === `${messagePrefix}${MESSAGE_RECORD_FILE}`) {
            records.push({
              key: object.Key,
              size: object.Size ?? 0,
              archivedAt: object.LastModified,
            });
          }
        }
      }
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

  const messageRecords = async (
    entries: readonly ArchiveEntry[],
  ): Promise<StoredMessageRecord[]> => {
    const keys = new Set(
      entries.map(
        (entry) => `${entry.key.slice(0, entry.key.lastIndexOf('/') + 1)}${MESSAGE_RECORD_FILE}`,
      ),
    );
    const found: StoredMessageRecord[] = [];
    for (const key of keys) {
      try {
        const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const text = (await output.Body?.transformToString('utf8')) ?? '';
        found.push({ key, size: Buffer.byteLength(text), record: parseMessageRecord(text) });
      } catch (error) {
        if (statusOf(error) === 404 || error instanceof InvalidMessageRecordError) continue;
        throw error;
      }
    }
    return found;
  };

  const messageRecordOf = async (mediaKey: string): Promise<RecordLookup> => {
    const key = recordKeyBeside(mediaKey);
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
