import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentTypeForExtension } from '../domain/archive-key.ts';
import {
  InvalidMessageRecordError,
  MESSAGE_RECORD_FILE,
  type MessageRecord,
  parseMessageRecord,
} from '../domain/message-record.ts';
import { isAccountSid } from '../domain/sids.ts';
import type { Day } from './days.ts';

/** One archived media as a listing shows it: everything here comes from the key and the listing. */
export interface ArchiveEntry {
  key: string;
  accountSid: string;
  messageSid: string;
  mediaSid: string;
  /** UTC day the message was received (from the key). */
  day: Day;
  extension: string;
  /** Implied by the extension; a HEAD (`describe`) gives the stored one. */
  contentType: string | undefined;
  size: number;
  /** When S3 stored the object (the archive time, not the receipt time). */
  archivedAt: Date | undefined;
}

/** What a HEAD adds: the archiver's user metadata. */
export interface ArchiveEntryDetails {
  contentType: string | undefined;
  receivedAt: string | undefined;
  originalFilename: string | undefined;
  sha256: string | undefined;
  size: number | undefined;
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
   * `_index/{MessageSid}/` for the day and account, then one listing of the message prefix.
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
   * The message record beside these media (`…/{MessageSid}/message.json`), one GET per message
   * directory; `undefined` where none was written (or it is unreadable).
   */
  messageRecords?(entries: readonly ArchiveEntry[]): Promise<StoredMessageRecord[]>;
  /** `findMessage` with the message records its listings saw (same requests). */
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

export interface PresignedResponse {
  contentDisposition?: string;
  contentType?: string;
}

export interface ArchiveReaderOptions {
  s3: S3Client;
  bucket: string;
  prefix: string;
  accountSid?: string;
  /** Called before every ListObjectsV2 page (progress display). */
  onListPage?: (prefix: string) => void;
}

const SID_HEX = '[0-9a-fA-F]{32}';
const ENTRY = new RegExp(
  `^(AC${SID_HEX})/(\\d{4})/(\\d{2})/(\\d{2})/((?:SM|MM)${SID_HEX})/(ME${SID_HEX})(\\.[A-Za-z0-9]+)?$`,
);
const INDEX_ENTRY = new RegExp(`^(AC${SID_HEX})/(\\d{4})/(\\d{2})/(\\d{2})$`);

type KeyParts = Omit<ArchiveEntry, 'size' | 'archivedAt'>;

/** Inverse of `archiveKeyFor`; `undefined` for anything else under the prefix. */
export const parseArchiveKey = (prefix: string, key: string): KeyParts | undefined => {
  if (!key.startsWith(prefix)) return undefined;
  const match = ENTRY.exec(key.slice(prefix.length));
  if (!match) return undefined;
  const [, accountSid, yyyy, mm, dd, messageSid, mediaSid, extension = ''] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  return {
    key,
    accountSid,
    messageSid,
    mediaSid,
    day: `${yyyy}-${mm}-${dd}`,
    extension,
    contentType: contentTypeForExtension(extension),
  };
};

const dayPath = (day: Day): string => day.replaceAll('-', '/');

const metadataOf = (output: {
  ContentType?: string;
  Metadata?: Record<string, string>;
  ContentLength?: number;
  ObjectLockMode?: string;
  ObjectLockRetainUntilDate?: Date;
  ObjectLockLegalHoldStatus?: string;
  ChecksumSHA256?: string;
  ChecksumType?: string;
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

/** The SDK turns S3's 304 into an exception (no body to deserialize); it is a normal answer here. */
const isNotModified = (error: unknown): boolean =>
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 304 ||
  (error as { name?: string })?.name === 'NotModified';

export const createArchiveReader = (options: ArchiveReaderOptions): ArchiveReader => {
  const { s3, bucket, prefix } = options;

  async function* listPages(
    listPrefix: string,
    delimiter?: string,
  ): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      options.onListPage?.(listPrefix);
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: listPrefix,
          ContinuationToken: token,
          ...(delimiter ? { Delimiter: delimiter } : {}),
        }),
      );
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
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
   * One single-key listing per first segment, jumping past each with StartAfter. s3rver returns
   * no CommonPrefixes when the objects lie deeper than one level below them, so the local stack
   * needs this; on S3 it only runs when the delimiter listing found no account at all.
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
          const match = INDEX_ENTRY.exec(object.Key?.slice(indexPrefix.length) ?? '');
          if (!match) continue;
          const [, accountSid = '', yyyy, mm, dd] = match;
          if (options.accountSid && accountSid !== options.accountSid) continue;
          places.push({ accountSid, day: `${yyyy}-${mm}-${dd}` });
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
    const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return {
      ...metadataOf(output),
      body: output.Body as Readable,
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
        : await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...conditions }));
      return {
        ...metadataOf(output),
        notModified: false,
        body: 'Body' in output ? (output.Body as Readable | undefined) : undefined,
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
        const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata
          ?.httpStatusCode;
        if (status === 404 || error instanceof InvalidMessageRecordError) continue;
        throw error;
      }
    }
    return found;
  };

  return {
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
