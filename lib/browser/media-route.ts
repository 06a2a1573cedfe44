import type { IncomingMessage, ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { contentDisposition, servedAs } from '../domain/media-policy.ts';
import { verifyReadBack } from '../domain/read-verification.ts';
import type { ArchiveReader, ConditionalRead } from '../ports/archive-reader.ts';
import { verifyingStream } from '../use-cases/verify-read.ts';
import { COMMON_HEADERS, MEDIA_CSP, sendText } from './http.ts';

type MediaReader = Pick<ArchiveReader, 'openConditional'>;

const SINGLE_RANGE = /^bytes=(\d+-\d*|-\d+)$/;

/** The client's validators and range, as S3 understands them; anything malformed is dropped. */
export const conditionalReadOf = (req: IncomingMessage): ConditionalRead => {
  const read: ConditionalRead = { headOnly: req.method === 'HEAD' };
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch) read.ifNoneMatch = noneMatch;
  const since = req.headers['if-modified-since'];
  const date = since ? new Date(since) : undefined;
  if (date && !Number.isNaN(date.getTime())) read.ifModifiedSince = date;
  const range = req.headers.range?.replace(/\s+/g, '');
  if (range && SINGLE_RANGE.test(range)) read.range = range;
  return read;
};

interface SdkError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Streams one archived object: validators pass through both ways, S3's 304 is answered as 304,
 * and the body goes straight from S3 to the client (no buffering). Archived objects never change
 * under their key, but they can be deleted: the browser revalidates (`no-cache`) instead of
 * keeping a copy it cannot know is still archived.
 */
export const serveMedia = async (
  req: IncomingMessage,
  res: ServerResponse,
  reader: MediaReader,
  key: string,
  keyContentType: string | undefined,
): Promise<void> => {
  const read = conditionalReadOf(req);
  let media: Awaited<ReturnType<MediaReader['openConditional']>>;
  try {
    media = await reader.openConditional(key, read);
  } catch (error) {
    const { name, $metadata } = (error ?? {}) as SdkError;
    const status = $metadata?.httpStatusCode;
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
      return sendText(res, 404, 'not in the archive\n');
    }
    if (name === 'InvalidRange' || status === 416) {
      return sendText(res, 416, 'range not satisfiable\n');
    }
    throw error;
  }
  const caching = { 'cache-control': 'private, no-cache' };
  if (media.notModified) {
    // S3's 304 carries no headers through the SDK; a single tag that matched is the ETag.
    const tag = read.ifNoneMatch;
    res.writeHead(304, {
      ...COMMON_HEADERS,
      ...caching,
      ...(tag && tag !== '*' && !tag.includes(',') ? { etag: tag } : {}),
    });
    return void res.end();
  }
  const served = servedAs(media.contentType ?? keyContentType);
  const headers: Record<string, string | number> = {
    ...COMMON_HEADERS,
    ...caching,
    'content-type': served.contentType,
    'content-disposition': contentDisposition(
      served.disposition,
      posix.basename(key),
      media.originalFilename,
    ),
    'accept-ranges': 'bytes',
    'content-security-policy': MEDIA_CSP,
  };
  if (media.contentLength !== undefined) headers['content-length'] = media.contentLength;
  if (media.etag) headers.etag = media.etag;
  if (media.lastModified) headers['last-modified'] = media.lastModified.toUTCString();
  if (media.contentRange) headers['content-range'] = media.contentRange;
  res.writeHead(media.contentRange ? 206 : 200, headers);
  if (!media.body) return void res.end();
  // A whole read is checked against S3's stored SHA-256 as it streams; bytes that differ never
  // arrive whole (the last chunk is withheld, the transfer breaks). The record check is the
  // page's: a media marked damaged there can still be opened to look at.
  const whole = read.range === undefined && !media.contentRange;
  const check = verifyingStream((observed) => {
    const verdict = verifyReadBack(observed, { s3: media.s3 ?? {} });
    return verdict.status === 'damaged'
      ? new Error(`${key}: ${verdict.problems.join('; ')}`)
      : undefined;
  });
  try {
    await (whole ? pipeline(media.body, check, res) : pipeline(media.body, res));
  } catch {
    // The client went away (closed tab, seek in a player): pipeline already destroyed both ends.
  }
};
