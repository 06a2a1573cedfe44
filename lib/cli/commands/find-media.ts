import { findMediaBySid, searchDays } from '../../use-cases/find-media.ts';
import type { CommandContext } from '../command.ts';
import { NotInArchiveError } from '../errors.ts';
import type { MediaLookup } from '../read-args.ts';

/**
 * The object key of `get`/`url`'s target. The index is per message, so a bare media SID is
 * found by scanning day listings newest first; --message or --date make it 2 or 1 listing(s).
 */
export const findMediaKey = async (
  lookup: MediaLookup,
  context: CommandContext,
): Promise<string> => {
  if (lookup.target.includes('/')) return lookup.target;
  const { reader, progress } = context;
  try {
    if (lookup.message) {
      progress.update(`looking up message ${lookup.message}`);
      const found = await findMediaBySid(reader, lookup.target, {
        messageSid: lookup.message,
        ...(lookup.date ? { day: lookup.date } : {}),
      });
      if (found) return found.key;
      throw new NotInArchiveError(`media ${lookup.target} not found in message ${lookup.message}`);
    }
    const days = lookup.date ? [lookup.date] : searchDays(context.today, lookup.days);
    const found = await findMediaBySid(reader, lookup.target, { days }, (day, index, total) =>
      progress.update(`searching ${day} (${index + 1}/${total} days)`),
    );
    if (found) return found.key;
    throw new NotInArchiveError(
      lookup.date
        ? `media ${lookup.target} not found on ${lookup.date}`
        : `media ${lookup.target} not found in the last ${days.length} days (${days.at(-1)} .. ${days[0]}); give --message, --date or a larger --days`,
    );
  } finally {
    progress.done();
  }
};
