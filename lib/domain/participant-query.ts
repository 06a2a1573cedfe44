import type { Day } from './utc-day.ts';

/**
 * The Athena SQL that answers `find --participant` over a Glue table of message records
 * partitioned by account/year/month/day (partition projection). One place builds it: every value
 * is checked against a strict pattern before it reaches the text (no quoting games), and the day
 * window becomes per-month partition predicates so projection prunes to exactly those days.
 */

export interface ParticipantQuery {
  database: string;
  table: string;
  /** `{keyId, id}` per key the address may have been pseudonymized with (`lookupIdsFor`). */
  lookups: readonly { keyId: string; id: string }[];
  since: Day;
  until: Day;
  accounts?: readonly string[];
}

export class InvalidQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,127}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const KEY_ID = /^[0-9a-f]{12}$/;
const ACCOUNT = /^AC[0-9a-fA-F]{32}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

const checked = (value: string, pattern: RegExp, what: string): string => {
  if (!pattern.test(value)) throw new InvalidQueryError(`bad ${what}`);
  return value;
};

const partsOf = (day: Day) => {
  const match = DAY.exec(day);
  if (!match) throw new InvalidQueryError('bad day');
  return { year: match[1] as string, month: match[2] as string, day: match[3] as string };
};

/** `(year = 'Y' AND month = 'M' [AND day >= 'D'] [AND day <= 'D'])` for each month of the window. */
export const dayWindowPredicate = (since: Day, until: Day): string => {
  const first = partsOf(since);
  const last = partsOf(until);
  if (until < since) throw new InvalidQueryError('until is before since');
  const clauses: string[] = [];
  let year = Number(first.year);
  let month = Number(first.month);
  for (;;) {
    const y = String(year);
    const m = String(month).padStart(2, '0');
    const parts = [`year = '${y}'`, `month = '${m}'`];
    if (y === first.year && m === first.month) parts.push(`day >= '${first.day}'`);
    if (y === last.year && m === last.month) parts.push(`day <= '${last.day}'`);
    clauses.push(`(${parts.join(' AND ')})`);
    if (y === last.year && m === last.month) break;
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
    if (clauses.length > 1200) throw new InvalidQueryError('window too long');
  }
  return clauses.length === 1 ? (clauses[0] as string) : `(${clauses.join(' OR ')})`;
};

export const buildParticipantQuery = (query: ParticipantQuery): string => {
  const database = checked(query.database, IDENTIFIER, 'database');
  const table = checked(query.table, IDENTIFIER, 'table');
  if (query.lookups.length === 0) throw new InvalidQueryError('no lookup');
  const matches = query.lookups
    .map(
      ({ keyId, id }) =>
        `(p.keyid = '${checked(keyId, KEY_ID, 'keyId')}' AND p.id = '${checked(id, HEX64, 'id')}')`,
    )
    .join(' OR ');
  const where = [dayWindowPredicate(query.since, query.until)];
  if (query.accounts && query.accounts.length > 0) {
    const list = query.accounts.map((a) => `'${checked(a, ACCOUNT, 'account')}'`).join(', ');
    where.push(`account IN (${list})`);
  }
  where.push(`any_match(participants, p -> ${matches})`);
  return [
    'SELECT accountsid, messagesid, receivedat, direction,',
    `  transform(filter(participants, p -> ${matches}), p -> p.role) AS roles,`,
    '  transform(media, m -> m.key) AS mediakeys, "$path" AS recordkey',
    `FROM "${database}"."${table}"`,
    `WHERE ${where.join('\n  AND ')}`,
    'ORDER BY receivedat',
  ].join('\n');
};
