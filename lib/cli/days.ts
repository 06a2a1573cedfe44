import { addDays, type Day } from '../domain/utc-day.ts';
import { UsageError } from './errors.ts';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Ten years of day listings: beyond that a typo is likelier than intent. */
export const MAX_RANGE_DAYS = 3660;

export const parseDay = (value: string, flag: string): Day => {
  const match = DAY.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`${flag} must be a date YYYY-MM-DD, got "${value}"`);
  }
  return value;
};

export interface RangeOptions {
  date?: Day;
  since?: Day;
  until?: Day;
  days?: number;
}

/** The days to list, oldest first. `--since` alone runs to today; `--days N` ends today. */
export const resolveDays = (range: RangeOptions, today: Day, defaultDays: number): Day[] => {
  if (range.date) return [range.date];
  let first: Day;
  let last: Day;
  if (range.since || range.until) {
    if (!range.since) throw new UsageError('--until needs --since');
    first = range.since;
    last = range.until ?? today;
    if (last < first) throw new UsageError('--until is before --since');
  } else {
    last = today;
    first = addDays(today, -((range.days ?? defaultDays) - 1));
  }
  const days: Day[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) {
    days.push(day);
    if (days.length > MAX_RANGE_DAYS) {
      throw new UsageError(`a range may span at most ${MAX_RANGE_DAYS} days`);
    }
  }
  return days;
};
