import type { ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { contentDisposition } from '../domain/media-policy.ts';
import { verifyReadBack } from '../domain/read-verification.ts';
import { neutraliseFilename } from '../domain/sender-filename.ts';
import type { ArchiveEntry, ArchiveReader } from '../ports/archive-reader.ts';
import { readEvidenceOf, verifyingStream } from '../use-cases/verify-read.ts';
import { COMMON_HEADERS } from './http.ts';

type ZipReader = Pick<ArchiveReader, 'openConditional' | 'describe' | 'messageRecordOf'>;

/**
 * The zip entry name: the media SID (unique, so names never collide) and, when the sender gave
 * one, the neutralised original name after it; never a path.
 */
export const zipEntryName = (entry: ArchiveEntry, originalFilename: string | undefined): string => {
  const original = neutraliseFilename(originalFilename);
  return original ? `${entry.mediaSid}-${original}` : `${entry.mediaSid}${entry.extension}`;
};

/**
 * A message's media as one zip, streamed: each object is opened from S3 only when the zip reaches
 * it, stored without compression (media are compressed already), so memory stays flat. Each is
 * checked against the message record and S3's checksum as it streams: a damaged media breaks the
 * download (the page marks which one) rather than ship inside a zip that looks whole.
 */
export const serveMessageZip = async (
  res: ServerResponse,
  reader: ZipReader,
  messageSid: string,
  entries: ArchiveEntry[],
): Promise<void> => {
  const zip = new ZipFile();
  // A media that fails mid-zip (S3 gone, object deleted) ends the download: the zip stays invalid.
  zip.on('error', (error: Error) => (zip.outputStream as Readable).destroy(error));
  const record = entries[0]
    ? await reader.messageRecordOf(entries[0].key).catch(() => undefined)
    : undefined;
  const names = await Promise.all(
    entries.map(async (entry) =>
      zipEntryName(
        entry,
        (await reader.describe(entry.key).catch(() => undefined))?.originalFilename,
      ),
    ),
  );
  entries.forEach((entry, n) => {
    zip.addReadStreamLazy(
      names[n] as string,
      { compress: false, ...(entry.archivedAt ? { mtime: entry.archivedAt } : {}) },
      (done) => {
        reader.openConditional(entry.key, {}).then(
          (media) => {
            if (media.notModified || !media.body) {
              return done(new Error('the media has no body'), new PassThrough());
            }
            const check = verifyingStream((observed) => {
              const verdict = verifyReadBack(observed, readEvidenceOf(media, record, entry.key));
              return verdict.status === 'damaged'
                ? new Error(`${entry.key}: ${verdict.problems.join('; ')}`)
                : undefined;
            });
            // yazl does not watch the streams it is given: a failure ends the download here.
            media.body.once('error', (error) => check.destroy(error));
            check.once('error', (error) => (zip.outputStream as Readable).destroy(error));
            done(null, media.body.pipe(check));
          },
          (error: unknown) => done(error, new PassThrough()),
        );
      },
    );
  });
  zip.end();
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'content-type': 'application/zip',
    'content-disposition': contentDisposition('attachment', `${messageSid}.zip`, undefined),
    'cache-control': 'no-store',
  });
  try {
    await pipeline(zip.outputStream, res);
  } catch {
    // A media failed mid-zip or the client went away: the truncated zip does not validate.
    res.destroy();
  }
};
