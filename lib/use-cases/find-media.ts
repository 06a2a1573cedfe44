import { addDays, type Day } from '../domain/utc-day.ts';
import type { ArchiveEntry, ArchiveReader } from '../ports/archive-reader.ts';

/** How far back a bare media SID is searched by default (`media-archive get|url`, the browser). */
export const MEDIA_SEARCH_DAYS = 31;

/** `count` days ending `today`, newest first: the order a bare media SID is searched in. */
export const searchDays = (today: Day, count: number): Day[] =>
  Array.from({ length: count }, (_, back) => addDays(today, -back));

export type MediaSearch =
  | { messageSid: string; day?: Day }
  | { days: readonly Day[] /* newest first */ };

/**
 * A media by its SID. The index is per message, so with its message SID (and day) it costs one or
 * two listings; a bare media SID costs one day listing per day searched, newest first.
 */
export const findMediaBySid = async (
  reader: Pick<ArchiveReader, 'findMedia'>,
  mediaSid: string,
  search: MediaSearch,
  onDay?: (day: Day, index: number, total: number) => void,
): Promise<ArchiveEntry | undefined> => {
  if ('messageSid' in search) return reader.findMedia(mediaSid, search);
  for (const [index, day] of search.days.entries()) {
    onDay?.(day, index, search.days.length);
    const found = await reader.findMedia(mediaSid, { days: [day] });
    if (found) return found;
  }
  return undefined;
};
