/** A UTC calendar day as `YYYY-MM-DD`, the unit of the archive's key layout and of every listing. */
export type Day = string;

export const MS_PER_DAY = 86_400_000;

const REAL_DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A real calendar day `YYYY-MM-DD` (no 31 June). */
export const isDay = (value: string): value is Day =>
  REAL_DAY.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);

export const dayOf = (date: Date): Day => date.toISOString().slice(0, 10);

export const addDays = (day: Day, count: number): Day =>
  dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + count * MS_PER_DAY));

/** `YYYY/MM/DD`: the day as the archive's keys spell it. */
export const dayPath = (day: Day): string => day.replaceAll('-', '/');
