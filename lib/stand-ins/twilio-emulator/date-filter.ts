import { InvalidQueryError } from './paging.ts';

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

interface Bound {
  /** First instant the value covers. */
  from: number;
  /** Last instant the value covers: a whole UTC day for YYYY-MM-DD, the instant itself otherwise. */
  to: number;
}

/**
 * Twilio's spec documents these filters by GMT date (`YYYY-MM-DD`); twilio-node sends a date-time
 * (`2025-01-10T00:00:00Z`), which names its GMT day: every bound covers a whole day.
 */
const parseBound = (name: string, value: string): Bound => {
  const time = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(time)) throw new InvalidQueryError(`invalid ${name} ${value}`);
  const day = time - (time % DAY_MS);
  return { from: day, to: day + DAY_MS - 1 };
};

/**
 * Twilio's date filters arrive as `Name=…`, `Name<=…`, `Name>=…` (URL-parsed into the keys `Name`,
 * `Name<`, `Name>`; twilio-node sends `Name<`/`Name>` itself). All bounds are inclusive, and each
 * covers its whole UTC day.
 */
export const parseDateFilter = (
  query: URLSearchParams,
  name: string,
): { matches: (date: Date) => boolean; carried: [string, string][] } => {
  const carried: [string, string][] = [];
  const checks: ((time: number) => boolean)[] = [];
  const exact = query.get(name);
  if (exact !== null) {
    const bound = parseBound(name, exact);
    checks.push((time) => time >= bound.from && time <= bound.to);
    carried.push([name, exact]);
  }
  const before = query.get(`${name}<`);
  if (before !== null) {
    const bound = parseBound(name, before);
    checks.push((time) => time <= bound.to);
    carried.push([`${name}<`, before]);
  }
  const after = query.get(`${name}>`);
  if (after !== null) {
    const bound = parseBound(name, after);
    checks.push((time) => time >= bound.from);
    carried.push([`${name}>`, after]);
  }
  return {
    matches: (date) => checks.every((check) => check(date.getTime())),
    carried,
  };
};
