import pLimit from 'p-limit';
import type { ArchiveEntry, StoredMessageRecord } from '../archive-reader.ts';
import type { ParsedCommand } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { resolveDays } from '../days.ts';
import { NotInArchiveError } from '../errors.ts';
import {
  formatBytes,
  formatLsLine,
  type ListedMedia,
  toListedMedia,
  writeLine,
} from '../format.ts';

type LsOptions = Extract<ParsedCommand, { command: 'ls' }>;

/** HEADs in flight at once with --details: enough to hide latency, few enough to stay polite. */
const DETAILS_CONCURRENCY = 8;
const DETAILS_BATCH = 32;

async function* entriesOf(
  options: LsOptions,
  context: CommandContext,
  records: StoredMessageRecord[],
) {
  const { reader, progress } = context;
  if (options.message) {
    progress.update(`looking up message ${options.message}`);
    const entries = await reader.findMessage(options.message, options.range.date);
    if (entries.length === 0) {
      throw new NotInArchiveError(
        `message ${options.message} not found${options.range.date ? ` on ${options.range.date}` : ''}`,
      );
    }
    yield* entries;
    records.push(...((await reader.messageRecords?.(entries)) ?? []));
    return;
  }
  const days = resolveDays(options.range, context.today, 1);
  const accounts = await reader.accounts();
  for (const [index, day] of days.entries()) {
    for (const account of accounts) {
      progress.update(`listing ${day} (${index + 1}/${days.length} days)`);
      yield* reader.listDay(account, day);
    }
  }
}

async function* listedMedia(
  entries: AsyncIterable<ArchiveEntry>,
  options: LsOptions,
  context: CommandContext,
): AsyncGenerator<ListedMedia> {
  if (!options.details) {
    for await (const entry of entries) yield toListedMedia(entry);
    return;
  }
  const limit = pLimit(DETAILS_CONCURRENCY);
  const describeAll = (batch: ArchiveEntry[]) =>
    Promise.all(
      batch.map((entry) =>
        limit(async () => toListedMedia(entry, await context.reader.describe(entry.key))),
      ),
    );
  let batch: ArchiveEntry[] = [];
  for await (const entry of entries) {
    batch.push(entry);
    if (batch.length === DETAILS_BATCH) {
      yield* await describeAll(batch);
      batch = [];
    }
  }
  yield* await describeAll(batch);
}

export const runLs = async (options: LsOptions, context: CommandContext): Promise<void> => {
  const { stdout, stderr, progress } = context;
  const media: ListedMedia[] = [];
  // `--message` also lists the message record(s) beside the media.
  const records: StoredMessageRecord[] = [];
  let count = 0;
  let bytes = 0;
  try {
    for await (const item of listedMedia(entriesOf(options, context, records), options, context)) {
      count += 1;
      bytes += item.size;
      if (options.json) media.push(item);
      else {
        progress.done();
        await writeLine(stdout, formatLsLine(item));
      }
    }
    if (!options.json) {
      for (const { key, size, record } of records) {
        await writeLine(
          stdout,
          [key, String(size), 'application/json', record.receivedAt].join('\t'),
        );
      }
    }
  } finally {
    progress.done();
  }
  if (options.json) {
    const listed = options.message
      ? { media, records: records.map(({ key, size, record }) => ({ key, size, record })) }
      : { media };
    await writeLine(stdout, JSON.stringify({ ...listed, count, bytes }, null, 2));
  } else if (stderr.isTTY) {
    stderr.write(`${count} media, ${formatBytes(bytes)}\n`);
  }
};
