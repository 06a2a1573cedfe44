import pLimit from 'p-limit';
import { recordKeyFor } from '../domain/message-record.ts';
import { type ReadVerdict, verifyReadBack } from '../domain/read-verification.ts';
import type {
  ArchiveEntry,
  ArchiveEntryDetails,
  ArchiveReader,
  RecordLookup,
} from '../ports/archive-reader.ts';
import { readEvidenceOf, verifyRecordBytes } from '../use-cases/verify-read.ts';

type CheckReader = Pick<ArchiveReader, 'describe' | 'messageRecordOf'>;

/** One listed media with what a HEAD showed and what that proves. */
export interface CheckedMedia {
  entry: ArchiveEntry;
  /** From the HEAD; undefined when it failed (the listing still shows the media). */
  details: ArchiveEntryDetails | undefined;
  verdict: ReadVerdict;
}

/** A message directory's record as the page shows it, with the verdict on its own bytes. */
export type RecordState = RecordLookup | { state: 'failed'; key: string; reason: string };

export interface PageChecks {
  media: CheckedMedia[];
  /** By record key (`recordKeyFor`: `_records/{AC}/{day}/{MessageSid}.json`). */
  records: Map<string, RecordState>;
  recordVerdicts: Map<string, ReadVerdict>;
}

const reasonOf = (error: unknown) => (error as { name?: string } | undefined)?.name ?? 'Error';

/**
 * What the page may say about each media without downloading it: one GET per message record and
 * one HEAD (checksum mode) per media, `CONCURRENCY` at a time. S3's full-object SHA-256 stands for
 * the stored bytes and is compared with the record; a media or record that cannot be read is shown
 * as such, never as healthy.
 */
export const checkEntries = async (
  reader: CheckReader,
  entries: readonly ArchiveEntry[],
  concurrency: number,
): Promise<PageChecks> => {
  const limit = pLimit(concurrency);
  const recordKeys = [...new Set(entries.map((entry) => recordKeyFor(entry.key)))];
  const firstOf = new Map(entries.map((entry) => [recordKeyFor(entry.key), entry.key]));
  const records = new Map<string, RecordState>(
    await Promise.all(
      recordKeys.map((key) =>
        limit(async (): Promise<[string, RecordState]> => {
          try {
            return [key, await reader.messageRecordOf(firstOf.get(key) as string)];
          } catch (error) {
            return [
              key,
              { state: 'failed', key, reason: `could not be read (${reasonOf(error)})` },
            ];
          }
        }),
      ),
    ),
  );
  const recordVerdicts = new Map<string, ReadVerdict>();
  for (const [key, record] of records) {
    if (record.state === 'found') recordVerdicts.set(key, verifyRecordBytes(record));
  }
  const media = await Promise.all(
    entries.map((entry) =>
      limit(async (): Promise<CheckedMedia> => {
        const record = records.get(recordKeyFor(entry.key));
        try {
          const details = await reader.describe(entry.key);
          const lookup = record?.state === 'failed' ? undefined : record;
          const verdict = verifyReadBack(
            { size: entry.size },
            readEvidenceOf(details, lookup, entry.key),
          );
          return { entry, details, verdict };
        } catch (error) {
          return {
            entry,
            details: undefined,
            verdict: {
              status: 'unverified',
              against: 'none',
              reason: `its HEAD failed (${reasonOf(error)})`,
            },
          };
        }
      }),
    ),
  );
  return { media, records, recordVerdicts };
};
