import { describe, expect, it } from 'vitest';
import { MAX_RANGE_DAYS, parseDay, resolveDays } from '../../../lib/cli/days.ts';
import { UsageError } from '../../../lib/cli/errors.ts';
import { addDays } from '../../../lib/domain/utc-day.ts';

describe('days', () => {
  it('accepts real calendar days only', () => {
    // Act & Assess
    expect(parseDay('2024-02-29', '--date')).toBe('2024-02-29');
    expect(() => parseDay('2025-02-29', '--date')).toThrow(UsageError);
    expect(() => parseDay('2025-1-01', '--date')).toThrow(UsageError);
  });

  it('adds days across month and year ends in UTC', () => {
    // Act & Assess
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
  });

  it('resolves ranges oldest first', () => {
    // Prepare
    const today = '2025-03-10';

    // Act & Assess
    expect(resolveDays({ date: '2025-01-05' }, today, 1)).toEqual(['2025-01-05']);
    expect(resolveDays({}, today, 1)).toEqual(['2025-03-10']);
    expect(resolveDays({ days: 3 }, today, 1)).toEqual(['2025-03-08', '2025-03-09', '2025-03-10']);
    expect(resolveDays({ since: '2025-03-09' }, today, 1)).toEqual(['2025-03-09', '2025-03-10']);
    expect(resolveDays({ since: '2025-02-27', until: '2025-03-01' }, today, 1)).toEqual([
      '2025-02-27',
      '2025-02-28',
      '2025-03-01',
    ]);
  });

  it('refuses ranges longer than the cap', () => {
    // Act & Assess
    expect(() =>
      resolveDays({ since: '2000-01-01', until: '2025-01-01' }, '2025-01-01', 1),
    ).toThrow(`at most ${MAX_RANGE_DAYS} days`);
  });
});
