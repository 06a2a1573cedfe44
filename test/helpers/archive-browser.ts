import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Writable } from 'node:stream';
import type { ArchiveBrowser, BrowserReader } from '../../lib/browser/archive-browser.ts';
import { contentTypeForExtension } from '../../lib/domain/archive-key.ts';
import { messageOfMediaKey, recordKeyFor } from '../../lib/domain/message-record.ts';
import type {
  ArchiveEntry,
  ArchiveEntryDetails,
  RecordLookup,
} from '../../lib/ports/archive-reader.ts';

export const BROWSER_AC = `AC${'a'.repeat(32)}`;
export const browserMessageSid = (n: number): string => `MM${String(n).padStart(32, '0')}`;
export const browserMediaSid = (n: number): string => `ME${String(n).padStart(32, '0')}`;

export interface FakeMedia {
  messageSid: string;
  mediaSid: string;
  day: string;
  extension: string;
  body?: Buffer;
  details?: Partial<ArchiveEntryDetails>;
  accountSid?: string;
}

/** An archive entry as the reader would list it, under the `media/` prefix. */
export const fakeEntry = (media: FakeMedia): ArchiveEntry => {
  const accountSid = media.accountSid ?? BROWSER_AC;
  return {
    key: `media/${accountSid}/${media.day.replaceAll('-', '/')}/${media.messageSid}/${media.mediaSid}${media.extension}`,
    accountSid,
    messageSid: media.messageSid,
    mediaSid: media.mediaSid,
    day: media.day,
    extension: media.extension,
    contentType: contentTypeForExtension(media.extension),
    size: media.body?.length ?? 100,
    archivedAt: new Date(`${media.day}T12:00:00Z`),
  };
};

export interface FakeReader extends BrowserReader {
  /** Every call, as `method arg…`, to assert what a page costs. */
  calls: string[];
}

/** An in-memory archive behind the reader interface: pages of `pageSize`, tokens are indexes. */
/** A record as the fake reader hands it back; the key is the one beside the media. */
export type FakeRecord = RecordLookup extends infer R
  ? R extends RecordLookup
    ? Omit<R, 'key'>
    : never
  : never;

/** S3's checksum of these bytes, as a HEAD in checksum mode reports it. */
export const s3ChecksumOf = (body: Buffer) => ({
  checksumSha256: createHash('sha256').update(body).digest('base64'),
  checksumType: 'FULL_OBJECT',
});

export const fakeReader = (
  media: FakeMedia[],
  options: {
    accounts?: string[];
    fail?: Error;
    /** Records by message SID; a message without one has none (`absent`). */
    records?: Record<string, FakeRecord>;
  } = {},
): FakeReader => {
  const entries = media.map((item) => ({ item, entry: fakeEntry(item) }));
  entries.sort((a, b) => a.entry.key.localeCompare(b.entry.key));
  const calls: string[] = [];
  const byKey = (key: string) => entries.find(({ entry }) => entry.key === key);
  const guard = () => {
    if (options.fail) throw options.fail;
  };
  return {
    calls,
    accounts: async () => {
      calls.push('accounts');
      guard();
      return options.accounts ?? [BROWSER_AC];
    },
    listDayPage: async (accountSid, day, page = {}) => {
      calls.push(`listDayPage ${accountSid} ${day} ${page.continuationToken ?? ''}`);
      guard();
      const matching = entries
        .map(({ entry }) => entry)
        .filter((entry) => entry.accountSid === accountSid && entry.day === day);
      const start = Number(page.continuationToken ?? 0);
      const end = start + (page.maxKeys ?? 1000);
      return {
        entries: matching.slice(start, end),
        nextToken: end < matching.length ? String(end) : undefined,
      };
    },
    findMessage: async (messageSid, day) => {
      calls.push(`findMessage ${messageSid} ${day ?? ''}`);
      guard();
      return entries
        .map(({ entry }) => entry)
        .filter((entry) => entry.messageSid === messageSid && (!day || entry.day === day));
    },
    findMedia: async (mediaSid, scope) => {
      calls.push(`findMedia ${mediaSid}`);
      guard();
      const days = 'days' in scope ? scope.days : undefined;
      return entries
        .map(({ entry }) => entry)
        .find((entry) => entry.mediaSid === mediaSid && (!days || days.includes(entry.day)));
    },
    describe: async (key) => {
      calls.push(`describe ${key}`);
      guard();
      const found = byKey(key);
      if (!found) throw Object.assign(new Error('not found'), { name: 'NotFound' });
      return {
        contentType: found.entry.contentType,
        receivedAt: `${found.entry.day}T11:59:58.000Z`,
        originalFilename: undefined,
        sha256: 'ab'.repeat(32),
        size: found.entry.size,
        // By default S3 holds a checksum of the bytes (as for every archiver write).
        s3: s3ChecksumOf(found.item.body ?? Buffer.from('bytes')),
        ...found.item.details,
      };
    },
    messageRecordOf: async (mediaKey) => {
      calls.push(`messageRecordOf ${mediaKey}`);
      guard();
      const key = recordKeyFor(mediaKey);
      const messageSid = messageOfMediaKey(mediaKey)?.messageSid ?? '';
      const record = options.records?.[messageSid];
      return record ? ({ ...record, key } as RecordLookup) : { state: 'absent', key };
    },
    openConditional: async (key, read) => {
      calls.push(`openConditional ${key}`);
      guard();
      const found = byKey(key);
      if (!found) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
      const etag = `"${found.item.mediaSid.slice(2)}"`;
      if (read.ifNoneMatch === etag) return { notModified: true };
      const body = found.item.body ?? Buffer.from('bytes');
      return {
        notModified: false,
        contentType: found.item.details?.contentType ?? found.entry.contentType,
        receivedAt: undefined,
        originalFilename: found.item.details?.originalFilename,
        sha256: undefined,
        size: body.length,
        s3: found.item.details?.s3 ?? s3ChecksumOf(body),
        metadataSha256: found.item.details?.metadataSha256,
        body: read.headOnly ? undefined : Readable.from([body]),
        contentLength: body.length,
        contentRange: undefined,
        etag,
        lastModified: new Date('2026-11-26T12:00:00Z'),
      };
    },
  };
};

export interface CapturedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  bytes: Buffer;
}

/** A ServerResponse stand-in that records status, headers and body. */
class RecordingResponse extends Writable {
  statusCode = 0;
  headersSent = false;
  recorded: Record<string, string> = {};
  chunks: Buffer[] = [];

  writeHead(status: number, headers: Record<string, string | number> = {}): this {
    this.statusCode = status;
    this.headersSent = true;
    for (const [name, value] of Object.entries(headers)) {
      this.recorded[name.toLowerCase()] = String(value);
    }
    return this;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
}

/** Calls the browser the way node:http would, without a server. */
export const request = async (
  browser: ArchiveBrowser,
  url: string,
  options: { method?: string; headers?: IncomingHttpHeaders } = {},
): Promise<CapturedResponse> => {
  const req = Object.assign(Readable.from([]), {
    method: options.method ?? 'GET',
    url,
    headers: { host: '127.0.0.1:8080', ...options.headers },
  }) as unknown as IncomingMessage;
  const res = new RecordingResponse();
  const finished = new Promise<void>((resolve) => {
    res.once('finish', () => resolve());
    res.once('close', () => resolve());
  });
  await browser(req, res as unknown as ServerResponse);
  if (!res.writableFinished && !res.destroyed) await finished;
  return {
    status: res.statusCode,
    headers: res.recorded,
    body: Buffer.concat(res.chunks).toString('utf8'),
    bytes: Buffer.concat(res.chunks),
  };
};
