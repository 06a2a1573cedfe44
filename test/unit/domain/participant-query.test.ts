import { describe, expect, it } from 'vitest';
import {
  buildParticipantQuery,
  dayWindowPredicate,
  InvalidQueryError,
} from '../../../lib/domain/participant-query.ts';

const LOOKUP = { keyId: 'a1b2c3d4e5f6', id: 'f'.repeat(64) };

describe('buildParticipantQuery', () => {
  it('turns a day window into per-month partition predicates that projection can prune', () => {
    // Act
    const oneMonth = dayWindowPredicate('2026-03-05', '2026-03-20');
    const acrossYear = dayWindowPredicate('2026-12-30', '2027-02-02');

    // Assess
    expect(oneMonth).toBe("(year = '2026' AND month = '03' AND day >= '05' AND day <= '20')");
    expect(acrossYear).toBe(
      "((year = '2026' AND month = '12' AND day >= '30') OR (year = '2027' AND month = '01') OR (year = '2027' AND month = '02' AND day <= '02'))",
    );
  });

  it('matches any of the lookups in the participants array, narrowed to the accounts', () => {
    // Prepare
    const old = { keyId: '000000000000', id: 'e'.repeat(64) };

    // Act
    const sql = buildParticipantQuery({
      database: 'archive_prod',
      table: 'message_records',
      lookups: [LOOKUP, old],
      since: '2026-03-01',
      until: '2026-03-31',
      accounts: [`AC${'a'.repeat(32)}`],
    });

    // Assess
    expect(sql).toContain('FROM "archive_prod"."message_records"');
    expect(sql).toContain(`account IN ('AC${'a'.repeat(32)}')`);
    expect(sql).toContain(
      `any_match(participants, p -> (p.keyid = 'a1b2c3d4e5f6' AND p.id = '${'f'.repeat(64)}') OR (p.keyid = '000000000000' AND p.id = '${'e'.repeat(64)}'))`,
    );
  });

  it('refuses anything that is not an identifier, a hex pseudonym or an account SID', () => {
    // Prepare
    const base = {
      database: 'archive_prod',
      table: 'message_records',
      lookups: [LOOKUP],
      since: '2026-03-01',
      until: '2026-03-31',
    };

    // Act / Assess
    expect(() => buildParticipantQuery({ ...base, table: 'x"; DROP TABLE y; --' })).toThrow(
      InvalidQueryError,
    );
    expect(() =>
      buildParticipantQuery({ ...base, lookups: [{ keyId: LOOKUP.keyId, id: "' OR 1=1 --" }] }),
    ).toThrow(InvalidQueryError);
    expect(() => buildParticipantQuery({ ...base, accounts: ["AC' OR '1"] })).toThrow(
      InvalidQueryError,
    );
    expect(() => buildParticipantQuery({ ...base, lookups: [] })).toThrow(InvalidQueryError);
  });
});
