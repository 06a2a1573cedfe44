import type { Day } from './utc-day.ts';

/**
 * The Athena SQL that answers `find --participant` over the Glue table of message records
 * (infra/athena.yml: `{prefix}_records/{account}/{year}/{month}/{day}/{MessageSid}.json`, partition
 * projection). One place builds it: every value is checked against a strict pattern before it
 * reaches the text (no quoting games), and the day window becomes per-month partition predicates
 * so projection prunes to exactly those days.
 *
 * `account` is projected as `injected`: Account SIDs cannot be enumerated in the template (served
 * subaccounts come and go), and an `enum` would need a redeploy per new subaccount. So every query
 * names its accounts (`account IN (…)`, literals only), and Athena reads only those prefixes; the
 * CLI names the accounts the archive holds (one S3 listing) when `--account` is not given.
 */

export interface ParticipantQuery {
  database: string;
  table: string;
  /** `{keyId, id}` per key the address may have been pseudonymized with (`lookupIdsFor`). */
  lookups: readonly { keyId: string; id: string }[];
  since: Day;
  until: Day;
  /** At least one: the injected `account` partition needs its values in the query. */
  accounts: readonly string[];
}

/** The columns each row of `buildParticipantQuery` holds, in order. */
export const PARTICIPANT_QUERY_COLUMNS = [
  'accountsid',
  'messagesid',
  'receivedat',
  'direction',
  'year',
  'month',
  'day',
  /** JSON array of `role:channel` of the participant's own entries. */
  'matched',
  /** JSON array of the media keys the record vouches for. */
  'mediakeys',
  /** `s3://bucket/key` of the record. */
  'recordpath',
] as const;

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

/**
 * `("year" = 'Y' AND "month" = 'M' [AND "day" >= 'D'] [AND "day" <= 'D'])` for each month of the
 * window (the partition values are zero-padded strings, so string order is day order).
 */
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
    const parts = [`"year" = '${y}'`, `"month" = '${m}'`];
    if (y === first.year && m === first.month) parts.push(`"day" >= '${first.day}'`);
    if (y === last.year && m === last.month) parts.push(`"day" <= '${last.day}'`);
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
  if (query.accounts.length === 0) throw new InvalidQueryError('no account');
  const matches = query.lookups
    .map(
      ({ keyId, id }) =>
        `(p.keyid = '${checked(keyId, KEY_ID, 'keyId')}' AND p.id = '${checked(id, HEX64, 'id')}')`,
    )
    .join(' OR ');
  const accounts = [...new Set(query.accounts)]
    .map((a) => `'${checked(a, ACCOUNT, 'account')}'`)
    .join(', ');
  return [
    'SELECT accountsid, messagesid, receivedat, direction, "year", "month", "day",',
    `  json_format(CAST(transform(filter(participants, p -> ${matches}), p -> p.role || ':' || p.channel) AS JSON)) AS matched,`,
    '  json_format(CAST(transform(media, m -> m.key) AS JSON)) AS mediakeys,',
    '  "$path" AS recordpath',
    `FROM "${database}"."${table}"`,
    `WHERE account IN (${accounts})`,
    `  AND ${dayWindowPredicate(query.since, query.until)}`,
    `  AND any_match(participants, p -> ${matches})`,
    'ORDER BY receivedat, messagesid',
  ].join('\n');
};
