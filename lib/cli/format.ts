import type { Writable } from 'node:stream';
import { formatBytes } from '../domain/bytes.ts';
import { countOf } from '../domain/count.ts';
import type { ArchiveEntry, ArchiveEntryDetails } from '../ports/archive-reader.ts';
import type { BackfillCounts } from '../use-cases/backfill/counts.ts';

export const UNKNOWN_TYPE = 'application/octet-stream';

export interface ListedMedia {
  key: string;
  accountSid: string;
  messageSid: string;
  mediaSid: string;
  day: string;
  size: number;
  contentType: string;
  /** Exact receipt time: only with `--details` (a HEAD per object). */
  receivedAt: string | null;
  archivedAt: string | null;
  originalFilename: string | null;
  /** `--details` on an Object Lock bucket: the version's retention and legal hold. */
  retention?: { mode: string; until: string | undefined };
  legalHold?: 'ON' | 'OFF';
}

export const toListedMedia = (entry: ArchiveEntry, details?: ArchiveEntryDetails): ListedMedia => ({
  key: entry.key,
  accountSid: entry.accountSid,
  messageSid: entry.messageSid,
  mediaSid: entry.mediaSid,
  day: entry.day,
  size: entry.size,
  contentType: details?.contentType ?? entry.contentType ?? UNKNOWN_TYPE,
  receivedAt: details?.receivedAt ?? null,
  archivedAt: entry.archivedAt?.toISOString() ?? null,
  originalFilename: details?.originalFilename ?? null,
  ...(details?.retention ? { retention: details.retention } : {}),
  ...(details?.legalHold ? { legalHold: details.legalHold } : {}),
});

/** `key  size  content-type  received`, tab-separated for `cut`/`awk`; the day without --details. */
export const formatLsLine = (media: ListedMedia): string =>
  [
    media.key,
    String(media.size),
    media.contentType,
    media.receivedAt ?? media.day,
    // Only on an Object Lock bucket: the columns before stay where scripts expect them.
    ...(media.retention || media.legalHold ? [formatLock(media)] : []),
  ].join('\t');

export const formatLock = (media: Pick<ListedMedia, 'retention' | 'legalHold'>): string =>
  [
    media.retention ? `retention=${media.retention.mode}:${media.retention.until ?? '?'}` : '',
    media.legalHold ? `hold=${media.legalHold}` : '',
  ]
    .filter(Boolean)
    .join(' ');

export interface Tally {
  count: number;
  bytes: number;
}

export interface ArchiveStats extends Tally {
  since: string;
  until: string;
  accounts: string[];
  /** Per AccountSid (main and subaccounts): the tenants of a TWILIO_SUBACCOUNTS deployment. */
  byAccount: Record<string, Tally>;
  byContentType: Record<string, Tally>;
  byDay: Record<string, Tally>;
}

export const emptyStats = (days: readonly string[], accounts: string[]): ArchiveStats => ({
  since: days[0] ?? '',
  until: days[days.length - 1] ?? '',
  accounts,
  count: 0,
  bytes: 0,
  byAccount: {},
  byContentType: {},
  byDay: {},
});

const tally = (table: Record<string, Tally>, name: string, bytes: number): void => {
  const row = table[name] ?? { count: 0, bytes: 0 };
  row.count += 1;
  row.bytes += bytes;
  table[name] = row;
};

export const addToStats = (stats: ArchiveStats, entry: ArchiveEntry): void => {
  stats.count += 1;
  stats.bytes += entry.size;
  tally(stats.byAccount, entry.accountSid, entry.size);
  tally(stats.byContentType, entry.contentType ?? UNKNOWN_TYPE, entry.size);
  tally(stats.byDay, entry.day, entry.size);
};

const table = (rows: [string, Tally][]): string[] => {
  const width = Math.max(0, ...rows.map(([name]) => name.length));
  const countWidth = Math.max(0, ...rows.map(([, row]) => String(row.count).length));
  return rows.map(
    ([name, row]) =>
      `  ${name.padEnd(width)}  ${String(row.count).padStart(countWidth)}  ${formatBytes(row.bytes)}`,
  );
};

export const formatStats = (stats: ArchiveStats): string => {
  const byType = Object.entries(stats.byContentType).sort(
    ([a, x], [b, y]) => y.count - x.count || a.localeCompare(b),
  );
  const byDay = Object.entries(stats.byDay).sort(([a], [b]) => a.localeCompare(b));
  const byAccount = Object.entries(stats.byAccount).sort(([a], [b]) => a.localeCompare(b));
  return [
    `period      ${stats.since} .. ${stats.until} (UTC)`,
    `media       ${stats.count}`,
    `bytes       ${stats.bytes} (${formatBytes(stats.bytes)})`,
    // One account is the single-account deployment's output, unchanged.
    ...(byAccount.length > 1 ? ['by account', ...table(byAccount)] : []),
    ...(byType.length ? ['by content type', ...table(byType)] : []),
    ...(byDay.length ? ['by day', ...table(byDay)] : []),
  ].join('\n');
};

/** Writes one line and waits when the pipe is full, so a long listing never buffers in memory. */
export const writeLine = async (stream: Writable, line: string): Promise<void> => {
  if (!stream.write(`${line}\n`)) {
    await new Promise<void>((resolve) => stream.once('drain', resolve));
  }
};

/** What a backfill or reconcile run did, one line. */
export const formatCounts = (counts: BackfillCounts, verb: string): string => {
  const parts = [
    countOf(counts.pages, 'page'),
    countOf(counts.messages, 'message'),
    `${counts.mediaFound} media found`,
    `${counts.enqueued} ${verb}`,
    `${counts.alreadyArchived} already archived`,
  ];
  if (counts.skippedInFlight) parts.push(`${counts.skippedInFlight} skipped (in flight)`);
  if (counts.skippedRecent) parts.push(`${counts.skippedRecent} skipped (too recent)`);
  if (counts.failed) parts.push(`${counts.failed} failed`);
  if (counts.bytes !== null) {
    parts.push(
      `${formatBytes(counts.bytes)} total${counts.unknownSizes ? ` (+${counts.unknownSizes} of unknown size)` : ''}`,
    );
  }
  return parts.join(', ');
};
