import type { ParsedCommand } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { resolveDays } from '../days.ts';
import { addToStats, emptyStats, formatStats, writeLine } from '../format.ts';

type StatsOptions = Extract<ParsedCommand, { command: 'stats' }>;

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
