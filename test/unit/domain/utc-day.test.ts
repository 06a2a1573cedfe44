import { describe, expect, it } from 'vitest';
import { addDays, dayOf, dayPath, isDay } from '../../../lib/domain/utc-day.ts';

describe('utc-day', () => {
  it('accepts only real calendar days', () => {
    // Assess
    expect(isDay('2024-02-29')).toBe(true);
    expect(isDay('2025-12-31')).toBe(true);
    for (const value of [
      '2025-02-29',
      '2025-06-31',
      '2025-13-01',
      '2025-00-10',
      '2025-1-01',
      '2025-01-01T00:00:00Z',
      '',
    ]) {
      expect(isDay(value), value).toBe(false);
    }
  });

  it('reads the UTC day of an instant, whatever the local time zone', () => {
    // Assess
    expect(dayOf(new Date('2025-03-04T23:59:59.999Z'))).toBe('2025-03-04');
    expect(dayOf(new Date('2025-03-05T01:00:00+02:00'))).toBe('2025-03-04');
  });

  it('adds days across month, year and leap-day boundaries', () => {
    // Assess
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addDays('2025-03-30', 0)).toBe('2025-03-30');
  });

  it('spells a day as the archive keys do', () => {
    // Assess
    expect(dayPath('2025-03-04')).toBe('2025/03/04');
  });
});
