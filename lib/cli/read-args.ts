import { MEDIA_SID } from '../domain/sids.ts';
import type { Day } from '../domain/utc-day.ts';
import { MEDIA_SEARCH_DAYS } from '../use-cases/find-media.ts';
import { MAX_RANGE_DAYS, parseDay, type RangeOptions } from './days.ts';
import { UsageError } from './errors.ts';
import {
  accountOption,
  HELP_OPTION,
  integerOption,
  messageOption,
  type OptionsSpec,
  parseOptions,
} from './options.ts';

/** The options of the read-only commands, one table: each command takes its own few of them. */
export const READ_OPTIONS = {
  ...HELP_OPTION,
  local: { type: 'boolean' },
  account: { type: 'string' },
  date: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  days: { type: 'string' },
  message: { type: 'string' },
  details: { type: 'boolean' },
  json: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean', short: 'f' },
  unverified: { type: 'boolean' },
  expires: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
} as const;

type ReadOption = keyof typeof READ_OPTIONS;
type Values = {
  [N in ReadOption]?: (typeof READ_OPTIONS)[N]['type'] extends 'boolean' ? boolean : string;
};

/** `--help`, `--local`, `--account` and the named options of the table. */
export const readOptions = (...names: ReadOption[]): OptionsSpec =>
  Object.fromEntries(
    ['help', 'local', 'account', ...names].map((name) => [name, READ_OPTIONS[name as ReadOption]]),
  );

export interface TargetOptions {
  local: boolean;
  account?: string;
}

export interface MediaLookup {
  /** A media SID, or a full object key (contains `/`), which needs no lookup. */
  target: string;
  message?: string;
  date?: Day;
  days: number;
}

export interface ReadLine {
  values: Values;
  positionals: string[];
  target: TargetOptions;
  date?: Day;
  since?: Day;
  until?: Day;
  days?: number;
}

/** A read command's arguments, checked in the order users have always seen: `undefined` = help. */
export const parseReadLine = (
  command: string,
  argv: readonly string[],
  options: OptionsSpec,
): ReadLine | undefined => {
  const { values: parsed, positionals } = parseOptions(argv, options, {
    positionals: true,
    siblings: { command, options: READ_OPTIONS },
  });
  const values = parsed as Values;
  if (values.help) return undefined;
  const account = accountOption(values.account);
  messageOption(values.message);
  const day = (flag: 'date' | 'since' | 'until') => {
    const value = values[flag];
    return value === undefined ? undefined : parseDay(value, `--${flag}`);
  };
  const date = day('date');
  const since = day('since');
  const until = day('until');
  const days =
    values.days === undefined ? undefined : integerOption(values.days, '--days', 1, MAX_RANGE_DAYS);
  return {
    values,
    positionals,
    target: { local: values.local ?? false, ...(account ? { account } : {}) },
    ...(date ? { date } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(days ? { days } : {}),
  };
};

export const noArguments = (command: string, line: ReadLine): void => {
  if (line.positionals.length > 0) {
    throw new UsageError(`${command} takes no arguments, got "${line.positionals[0]}"`);
  }
};

/** `--date`, `--since/--until` or `--days`: one of them. */
export const rangeOf = (command: string, line: ReadLine): RangeOptions => {
  noArguments(command, line);
  const { date, since, until, days } = line;
  const ranges = [
    date !== undefined,
    since !== undefined || until !== undefined,
    days !== undefined,
  ];
  if (ranges.filter(Boolean).length > 1) {
    throw new UsageError('use one of --date, --since/--until, --days');
  }
  if (until !== undefined && since === undefined) throw new UsageError('--until needs --since');
  if (since && until && until < since) throw new UsageError('--until is before --since');
  return {
    ...(date ? { date } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(days ? { days } : {}),
  };
};

/** `get`/`url`'s one media SID or key, and how to find it. */
export const lookupOf = (command: string, line: ReadLine): MediaLookup => {
  if (line.positionals.length !== 1) throw new UsageError(`${command} takes exactly one media SID`);
  const sidOrKey = line.positionals[0] as string;
  if (!MEDIA_SID.test(sidOrKey) && !sidOrKey.includes('/')) {
    throw new UsageError(`"${sidOrKey}" is neither a media SID (ME…) nor an object key`);
  }
  return {
    target: sidOrKey,
    days: line.days ?? MEDIA_SEARCH_DAYS,
    ...(line.values.message ? { message: line.values.message } : {}),
    ...(line.date ? { date: line.date } : {}),
  };
};
