import { parseArgs } from 'node:util';
import { isAccountSid, isMessageSid, MEDIA_SID } from '../domain/sids.ts';
import type { Day } from '../domain/utc-day.ts';
import { MEDIA_SEARCH_DAYS } from '../use-cases/find-media.ts';
import type { OptionsSpec } from './command.ts';
import { parseDay, type RangeOptions } from './days.ts';
import { UsageError } from './errors.ts';
import { describeParseArgsError } from './parse-args-error.ts';
import { didYouMean } from './suggest.ts';

export type CommandName = 'ls' | 'get' | 'url' | 'stats' | 'serve';
export const COMMANDS: readonly CommandName[] = ['ls', 'get', 'url', 'stats', 'serve'];
/** Every command `media-archive` knows, the operations (lib/cli/main.ts) included: for hints. */
const ALL_COMMANDS = [
  ...COMMANDS,
  'help',
  'backfill',
  'reconcile',
  'redrive',
  'send-test',
  'doctor',
  'export',
  'hold',
];

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

export type ParsedCommand =
  | { command: 'help'; topic: CommandName | 'main' }
  | ({
      command: 'ls';
      range: RangeOptions;
      message?: string;
      details: boolean;
      json: boolean;
    } & TargetOptions)
  | ({ command: 'stats'; range: RangeOptions; json: boolean } & TargetOptions)
  | ({
      command: 'get';
      lookup: MediaLookup;
      output?: string;
      force: boolean;
      /** Save a media that failed its check anyway (marked on stderr). */
      unverified: boolean;
    } & TargetOptions)
  | ({ command: 'url'; lookup: MediaLookup; expires: number } & TargetOptions)
  | ({ command: 'serve'; port: number; host: string } & TargetOptions);

export const DEFAULT_SCAN_DAYS = MEDIA_SEARCH_DAYS;
export const DEFAULT_SERVE_PORT = 8080;
export const DEFAULT_SERVE_HOST = '127.0.0.1';
export const DEFAULT_EXPIRES_SECONDS = 3600;
/** SigV4 presigned URLs live at most 7 days. */
export const MAX_EXPIRES_SECONDS = 604_800;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
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

type OptionName = keyof typeof OPTIONS;

const COMMON: OptionName[] = ['help', 'local', 'account'];
const ALLOWED: Record<CommandName, OptionName[]> = {
  ls: [...COMMON, 'date', 'since', 'until', 'days', 'message', 'details', 'json'],
  stats: [...COMMON, 'date', 'since', 'until', 'days', 'json'],
  get: [...COMMON, 'message', 'date', 'days', 'output', 'force', 'unverified'],
  url: [...COMMON, 'message', 'date', 'days', 'expires'],
  serve: [...COMMON, 'port', 'host'],
};

/** The options a read-only command takes, as the spec the parser checks them against. */
export const optionsOf = (command: CommandName): OptionsSpec =>
  Object.fromEntries(ALLOWED[command].map((name) => [name, OPTIONS[name]]));

const isCommand = (value: string | undefined): value is CommandName =>
  COMMANDS.includes(value as CommandName);

const integer = (value: string, flag: string, min: number, max: number, command: string) => {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
    throw new UsageError(`${flag} must be an integer in ${min}..${max}, got "${value}"`, command);
  }
  return parsed;
};

const parse = (args: string[]) =>
  parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true, tokens: true });

/** Parses argv (without node and the script); throws `UsageError` naming the command it concerns. */
export const parseCommandLine = (argv: readonly string[]): ParsedCommand => {
  let parsed: ReturnType<typeof parse>;
  const guess = argv.find((arg) => !arg.startsWith('-'));
  const context = isCommand(guess) ? guess : undefined;
  try {
    parsed = parse([...argv]);
  } catch (error) {
    const allowed = (context ? ALLOWED[context] : COMMON).map((name) => `--${name}`);
    throw new UsageError(describeParseArgsError(error, allowed), context);
  }
  const { values, positionals, tokens } = parsed;
  const [first, ...rest] = positionals;

  if (first === 'help') {
    const topic = rest[0];
    if (topic !== undefined && !isCommand(topic))
      throw new UsageError(`unknown command "${topic}"${didYouMean(topic, ALL_COMMANDS)}`);
    return { command: 'help', topic: topic ?? 'main' };
  }
  if (first === undefined) {
    if (values.help) return { command: 'help', topic: 'main' };
    throw new UsageError('a command is required');
  }
  if (!isCommand(first)) {
    throw new UsageError(`unknown command "${first}"${didYouMean(first, ALL_COMMANDS)}`);
  }
  const command = first;
  if (values.help) return { command: 'help', topic: command };

  for (const token of tokens) {
    if (token.kind === 'option' && !ALLOWED[command].includes(token.name as OptionName)) {
      const hint = didYouMean(
        token.rawName,
        ALLOWED[command].map((name) => `--${name}`),
      );
      throw new UsageError(`${command} does not take ${token.rawName}${hint}`, command);
    }
  }

  const fail = (message: string): never => {
    throw new UsageError(message, command);
  };
  const target: TargetOptions = { local: values.local ?? false };
  if (values.account !== undefined) {
    if (!isAccountSid(values.account)) fail('--account must be an AC… SID');
    target.account = values.account;
  }
  if (values.message !== undefined && !isMessageSid(values.message)) {
    fail('--message must be an MM…/SM… SID');
  }
  const day = (name: 'date' | 'since' | 'until'): Day | undefined => {
    const value = values[name];
    if (value === undefined) return undefined;
    try {
      return parseDay(value, `--${name}`);
    } catch (error) {
      return fail((error as Error).message);
    }
  };
  const date = day('date');
  const since = day('since');
  const until = day('until');
  const days =
    values.days === undefined ? undefined : integer(values.days, '--days', 1, 3660, command);

  if (command === 'ls' || command === 'stats') {
    if (rest.length > 0) fail(`${command} takes no arguments, got "${rest[0]}"`);
    const ranges = [
      date !== undefined,
      since !== undefined || until !== undefined,
      days !== undefined,
    ];
    if (ranges.filter(Boolean).length > 1) fail('use one of --date, --since/--until, --days');
    if (until !== undefined && since === undefined) fail('--until needs --since');
    if (since && until && until < since) fail('--until is before --since');
    const range: RangeOptions = {
      ...(date ? { date } : {}),
      ...(since ? { since } : {}),
      ...(until ? { until } : {}),
      ...(days ? { days } : {}),
    };
    if (command === 'stats') return { command, ...target, range, json: values.json ?? false };
    if (values.message && (since || until || days)) fail('--message combines only with --date');
    return {
      command,
      ...target,
      range,
      ...(values.message ? { message: values.message } : {}),
      details: values.details ?? false,
      json: values.json ?? false,
    };
  }

  if (command === 'serve') {
    if (rest.length > 0) fail(`serve takes no arguments, got "${rest[0]}"`);
    const host = values.host ?? DEFAULT_SERVE_HOST;
    if (!/^[A-Za-z0-9.:-]+$/.test(host)) fail(`--host must be a host name or IP address`);
    const port =
      values.port === undefined
        ? DEFAULT_SERVE_PORT
        : integer(values.port, '--port', 0, 65_535, command);
    return { command, ...target, port, host };
  }
  if (rest.length !== 1) fail(`${command} takes exactly one media SID`);
  const sidOrKey = rest[0] as string;
  if (!MEDIA_SID.test(sidOrKey) && !sidOrKey.includes('/')) {
    fail(`"${sidOrKey}" is neither a media SID (ME…) nor an object key`);
  }
  const lookup: MediaLookup = {
    target: sidOrKey,
    days: days ?? DEFAULT_SCAN_DAYS,
    ...(values.message ? { message: values.message } : {}),
    ...(date ? { date } : {}),
  };
  if (command === 'get') {
    return {
      command,
      ...target,
      lookup,
      ...(values.output !== undefined ? { output: values.output } : {}),
      force: values.force ?? false,
      unverified: values.unverified ?? false,
    };
  }
  const expires =
    values.expires === undefined
      ? DEFAULT_EXPIRES_SECONDS
      : integer(values.expires, '--expires', 1, MAX_EXPIRES_SECONDS, command);
  return { command, ...target, lookup, expires };
};
