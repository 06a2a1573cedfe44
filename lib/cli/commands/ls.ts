import pLimit from 'p-limit';
import { formatBytes } from '../../domain/bytes.ts';
import type {
  ArchiveEntry,
  ListedRecord,
  StoredMessageRecord,
} from '../../ports/archive-reader.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { type RangeOptions, resolveDays } from '../days.ts';
import { NotInArchiveError, UsageError } from '../errors.ts';
import { formatLsLine, type ListedMedia, toListedMedia, writeLine } from '../format.ts';
import { EXIT_HELP, RANGE_HELP, TARGET_HELP } from '../help.ts';
import { parseReadLine, rangeOf, readOptions, type TargetOptions } from '../read-args.ts';

type LsOptions = TargetOptions & {
  range: RangeOptions;
  message?: string;
  details: boolean;
  json: boolean;
};

const OPTIONS = readOptions('date', 'since', 'until', 'days', 'message', 'details', 'json');

const parse = (argv: readonly string[]): LsOptions | undefined => {
  const line = parseReadLine('ls', argv, OPTIONS);
  if (!line) return undefined;
  const range = rangeOf('ls', line);
  const { message } = line.values;
  if (message && (line.since || line.until || line.days)) {
    throw new UsageError('--message combines only with --date');
  }
  return {
    ...line.target,
    range,
    ...(message ? { message } : {}),
    details: line.values.details ?? false,
    json: line.values.json ?? false,
  };
};

/** HEADs in flight at once with --details: enough to hide latency, few enough to stay polite. */
const DETAILS_CONCURRENCY = 8;
const DETAILS_BATCH = 32;

async function* entriesOf(
  options: LsOptions,
  context: CommandContext,
  records: (StoredMessageRecord | ListedRecord)[],
) {
  const { reader, progress } = context;
  if (options.message) {
    progress.update(`looking up message ${options.message}`);
    const found = reader.findMessageFiles
      ? await reader.findMessageFiles(options.message, options.range.date)
      : { entries: await reader.findMessage(options.message, options.range.date), records: [] };
    const { entries } = found;
    if (entries.length === 0) {
      throw new NotInArchiveError(
        `message ${options.message} not found${options.range.date ? ` on ${options.range.date}` : ''}`,
      );
    }
    yield* entries;
    // The record's content costs a GET: only with --details; its key and size come for free.
    if (options.details) records.push(...((await reader.messageRecords?.(entries)) ?? []));
    else records.push(...found.records);
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
  const records: (StoredMessageRecord | ListedRecord)[] = [];
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
      for (const listed of records) {
        const received =
          'record' in listed ? listed.record.receivedAt : listed.archivedAt?.toISOString();
        await writeLine(
          stdout,
          [listed.key, String(listed.size), 'application/json', received ?? ''].join('\t'),
        );
      }
    }
  } finally {
    progress.done();
  }
  if (options.json) {
    const listed = options.message
      ? {
          media,
          records: records.map((listed) =>
            'record' in listed
              ? { key: listed.key, size: listed.size, record: listed.record }
              : { key: listed.key, size: listed.size },
          ),
        }
      : { media };
    await writeLine(stdout, JSON.stringify({ ...listed, count, bytes }, null, 2));
  } else if (count === 0 && !options.message) {
    // On stderr: stdout stays a clean (empty) listing for scripts.
    const days = [...resolveDays(options.range, context.today, 1)].sort();
    const window =
      days.length === 1 ? `${days[0]}` : `${days[0]} .. ${days.at(-1)} (${days.length} days)`;
    stderr.write(
      `no media archived on ${window} (UTC days) in s3://${context.bucket}; try --days 7 or --date YYYY-MM-DD\n`,
    );
  } else if (stderr.isTTY) {
    stderr.write(`${count} media, ${formatBytes(bytes)}\n`);
  }
};

const HELP = `Usage: media-archive ls [--date D | --since D [--until D] | --days N | --message MM...] [options]

One line per media, tab-separated: key, size in bytes, content type, received.
Without --details the content type comes from the key's extension and "received" is the UTC day
from the key (no request per object); --details does one HEAD per object for the stored content
type and the exact received-at time; on an Object Lock bucket also a fifth column with the
retention (mode:until) and legal hold.

Cost: one ListObjectsV2 per day and account (plus one per 1000 objects), one to find the accounts
when no account is given. --message costs 2 listings (the message index, then the message),
which also show the message record, listed after the media (JSON: "records"); with --details
one GET more reads it.

Options:
${RANGE_HELP}
                        (default: --days 1, today in UTC)
  --message MM...       one message; with --date, skips the index and lists that day directly
  --details             HEAD each object: stored content type, exact received time, file name
  --json                one JSON document {"media": [...], "count", "bytes"} instead of lines

${TARGET_HELP}

${EXIT_HELP}
`;

export const command = defineCommand<LsOptions>({
  name: 'ls',
  kind: 'read',
  summary: 'list media (one line each: key, size, content type, received)',
  help: HELP,
  options: OPTIONS,
  parse,
  run: (args, context) => runLs(args, context.archive(args)),
});
