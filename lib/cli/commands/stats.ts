import { type CommandContext, defineCommand } from '../command.ts';
import { type RangeOptions, resolveDays } from '../days.ts';
import { addToStats, emptyStats, formatStats, writeLine } from '../format.ts';
import { EXIT_HELP, RANGE_HELP, TARGET_HELP } from '../help.ts';
import { parseReadLine, rangeOf, readOptions, type TargetOptions } from '../read-args.ts';

type StatsOptions = TargetOptions & { range: RangeOptions; json: boolean };

const OPTIONS = readOptions('date', 'since', 'until', 'days', 'json');

const parse = (argv: readonly string[]): StatsOptions | undefined => {
  const line = parseReadLine('stats', argv, OPTIONS);
  if (!line) return undefined;
  return { ...line.target, range: rangeOf('stats', line), json: line.values.json ?? false };
};

export const DEFAULT_STATS_DAYS = 31;

/** Listings only: the content type comes from the key's extension, the size from the listing. */
export const runStats = async (options: StatsOptions, context: CommandContext): Promise<void> => {
  const { reader, progress } = context;
  const days = resolveDays(options.range, context.today, DEFAULT_STATS_DAYS);
  const accounts = await reader.accounts();
  const stats = emptyStats(days, accounts);
  try {
    for (const [index, day] of days.entries()) {
      for (const account of accounts) {
        progress.update(`listing ${day} (${index + 1}/${days.length} days), ${stats.count} media`);
        for await (const entry of reader.listDay(account, day)) addToStats(stats, entry);
      }
    }
  } finally {
    progress.done();
  }
  await writeLine(
    context.stdout,
    options.json ? JSON.stringify(stats, null, 2) : formatStats(stats),
  );
};

const HELP = `Usage: media-archive stats [--date D | --since D [--until D] | --days N] [--json]

Media count and bytes, by content type (from the key's extension) and by day, from listings only:
one ListObjectsV2 per day and account (plus one per 1000 objects).

Options:
${RANGE_HELP}
                        (default: --days 31)
  --json                one JSON document

${TARGET_HELP}

${EXIT_HELP}
`;

export const command = defineCommand<StatsOptions>({
  name: 'stats',
  kind: 'read',
  summary: 'count and bytes by content type and by day',
  help: HELP,
  options: OPTIONS,
  parse,
  run: (args, context) => runStats(args, context.archive(args)),
});
