import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildParticipantQuery,
  dayWindowPredicate,
  InvalidQueryError,
} from '../../../lib/domain/participant-query.ts';
import type { Day } from '../../../lib/domain/utc-day.ts';

const LOOKUP = { keyId: 'a1b2c3d4e5f6', id: 'f'.repeat(64) };
const ACCOUNT = `AC${'a'.repeat(32)}`;
const BASE = {
  database: 'archive_prod',
  table: 'message_records',
  lookups: [LOOKUP],
  since: '2026-03-01',
  until: '2026-03-31',
  accounts: [ACCOUNT],
};

/** The partitions a predicate of `dayWindowPredicate` admits, read back as Athena would prune. */
const admits = (predicate: string, day: Day): boolean => {
  const [year, month, dd] = day.split('-');
  const clauses = [
    ...predicate.matchAll(
      /\("year" = '(\d{4})' AND "month" = '(\d{2})'(?: AND "day" >= '(\d{2})')?(?: AND "day" <= '(\d{2})')?\)/g,
    ),
  ];
  return clauses.some(
    ([, y, m, from, to]) =>
      y === year &&
      m === month &&
      (from === undefined || (dd as string) >= from) &&
      (to === undefined || (dd as string) <= to),
  );
};

const dayString = (date: Date): Day => date.toISOString().slice(0, 10) as Day;
const arbitraryDay = fc
  .date({
    min: new Date('2024-01-01T00:00:00Z'),
    max: new Date('2028-12-31T00:00:00Z'),
    noInvalidDate: true,
  })
  .map(dayString);

describe('buildParticipantQuery', () => {
  it('turns a day window into per-month partition predicates that projection can prune', () => {
    // Act
    const oneMonth = dayWindowPredicate('2026-03-05', '2026-03-20');
    const acrossYear = dayWindowPredicate('2026-12-30', '2027-02-02');

    // Assess
    expect(oneMonth).toBe(
      `("year" = '2026' AND "month" = '03' AND "day" >= '05' AND "day" <= '20')`,
    );
    expect(acrossYear).toBe(
      `(("year" = '2026' AND "month" = '12' AND "day" >= '30') OR ("year" = '2027' AND "month" = '01') OR ("year" = '2027' AND "month" = '02' AND "day" <= '02'))`,
    );
  });

  it('admits exactly the days of the window, whatever months and years it spans', () => {
    fc.assert(
      fc.property(arbitraryDay, arbitraryDay, arbitraryDay, (a, b, probe) => {
        // Prepare
        const [since, until] = a <= b ? [a, b] : [b, a];

        // Act
        const predicate = dayWindowPredicate(since, until);

        // Assess
        expect(admits(predicate, probe)).toBe(probe >= since && probe <= until);
        expect(admits(predicate, since)).toBe(true);
        expect(admits(predicate, until)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('names the accounts (injected partition), the window and any of the lookups', () => {
    // Prepare
    const old = { keyId: '000000000000', id: 'e'.repeat(64) };
    const second = `AC${'b'.repeat(32)}`;

    // Act
    const sql = buildParticipantQuery({
      ...BASE,
      lookups: [LOOKUP, old],
      accounts: [ACCOUNT, second, ACCOUNT],
    });

    // Assess
    const match = `(p.keyid = 'a1b2c3d4e5f6' AND p.id = '${'f'.repeat(64)}') OR (p.keyid = '000000000000' AND p.id = '${'e'.repeat(64)}')`;
    expect(sql).toBe(
      [
        'SELECT accountsid, messagesid, receivedat, direction, "year", "month", "day",',
        `  json_format(CAST(transform(filter(participants, p -> ${match}), p -> p.role || ':' || p.channel) AS JSON)) AS matched,`,
        '  json_format(CAST(transform(media, m -> m.key) AS JSON)) AS mediakeys,',
        '  "$path" AS recordpath',
        'FROM "archive_prod"."message_records"',
        `WHERE account IN ('${ACCOUNT}', '${second}')`,
        `  AND ("year" = '2026' AND "month" = '03' AND "day" >= '01' AND "day" <= '31')`,
        `  AND any_match(participants, p -> ${match})`,
        'ORDER BY receivedat, messagesid',
      ].join('\n'),
    );
  });

  it('refuses anything that is not an identifier, a hex pseudonym or an account SID', () => {
    // Act / Assess
    expect(() => buildParticipantQuery({ ...BASE, table: 'x"; DROP TABLE y; --' })).toThrow(
      InvalidQueryError,
    );
    expect(() =>
      buildParticipantQuery({ ...BASE, lookups: [{ keyId: LOOKUP.keyId, id: "' OR 1=1 --" }] }),
    ).toThrow(InvalidQueryError);
    expect(() => buildParticipantQuery({ ...BASE, accounts: ["AC' OR '1"] })).toThrow(
      InvalidQueryError,
    );
    expect(() => buildParticipantQuery({ ...BASE, lookups: [] })).toThrow(InvalidQueryError);
    expect(() => buildParticipantQuery({ ...BASE, until: '2026-02-28' })).toThrow(
      InvalidQueryError,
    );
  });

  it('refuses a query without accounts: the injected partition would fail it at Athena', () => {
    // Act / Assess
    expect(() => buildParticipantQuery({ ...BASE, accounts: [] })).toThrow(/no account/);
  });
});
