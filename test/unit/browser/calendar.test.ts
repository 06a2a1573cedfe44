import { describe, expect, it } from 'vitest';
import {
  daysOfMonth,
  isMonth,
  longDay,
  shiftMonth,
  weekdayOf,
} from '../../../lib/browser/calendar.ts';
import { isDay } from '../../../lib/domain/utc-day.ts';

describe('calendar', () => {
  it('knows month lengths, leap years and ISO weekdays', () => {
    // Assess
    expect(daysOfMonth('2026-02')).toHaveLength(28);
    expect(daysOfMonth('2028-02')).toHaveLength(29);
    expect(daysOfMonth('2026-11').at(-1)).toBe('2026-11-30');
    expect(weekdayOf('2026-11-26')).toBe(3); // a Thursday
    expect(weekdayOf('2026-11-01')).toBe(6); // a Sunday
  });

  it('shifts months across years and validates input', () => {
    // Assess
    expect(shiftMonth('2026-01', -1)).toBe('2025-12');
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
    expect(isMonth('2026-13')).toBe(false);
    expect(isMonth('2026-1')).toBe(false);
    expect(isDay('2026-06-31')).toBe(false);
    expect(isDay('2026-02-28')).toBe(true);
    expect(longDay('2026-11-06')).toBe('6 November 2026');
  });
});
