import { parseArgs } from 'node:util';
import { InvalidParticipantError, normalizeAddress } from '../domain/participant.ts';
import { isAccountSid, isMessageSid } from '../domain/sids.ts';
import { UsageError } from './errors.ts';
import { didYouMean } from './suggest.ts';

/** One option of a command: the same spec drives parsing, did-you-mean hints and the registry test. */
export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
}
export type OptionsSpec = Readonly<Record<string, OptionSpec>>;

/** `-h, --help`: every command takes it. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** The candidates a mistyped option is compared with: `--name` for every option of the spec. */
export const optionFlags = (options: OptionsSpec): string[] =>
  Object.keys(options).map((name) => `--${name}`);

/**
 * `parseArgs`'s complaint as one line of ours: Node's own text is long, names no command and, for
 * an unknown option with positionals allowed, ends in an unclosed quote.
 */
const describeParseArgsError = (error: unknown, candidates: readonly string[]): string => {
  const { code, message = '' } = error as { code?: string; message?: string };
  const quoted = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
    return `unknown option ${quoted}${didYouMean(quoted, candidates)}`;
  }
  const option = /^Option '(?:-\w, )?(--?[\w-]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    return message.includes('argument missing')
      ? `${option} needs a value`
      : `${option} takes no value`;
  }
  const positional = /^Unexpected argument '([^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && positional !== undefined) {
    return `unexpected argument "${positional}"`;
  }
  return message.split('\n', 1)[0] || 'bad arguments';
};

/**
 * The one flag parser of the commands: `parseArgs` (strict), its complaints turned into one-line
 * `UsageError`s, an unknown option with the closest known one suggested.
 */
export const parseOptions = <const O extends OptionsSpec>(
  argv: readonly string[],
  options: O,
  settings: {
    positionals?: boolean;
    /** The whole message for an unknown option (doctor words it its own way). */
    describeUnknown?: (raw: string) => string;
    /**
     * Options of sibling commands (the read commands share one table): parsed, so that one of
     * them is answered with "`command` does not take --x" rather than "unknown option".
     */
    siblings?: { command: string; options: OptionsSpec };
  } = {},
) => {
  const { siblings } = settings;
  const candidates = optionFlags(options);
  const parse = () =>
    parseArgs({
      args: [...argv],
      options: { ...siblings?.options, ...options } as O,
      strict: true,
      allowPositionals: settings.positionals ?? false,
      tokens: true,
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    const { code, message = '' } = error as { code?: string; message?: string };
    const unknown = /^Unknown option '(--?[^' ]+)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown && settings.describeUnknown) {
      throw new UsageError(settings.describeUnknown(unknown));
    }
    throw new UsageError(describeParseArgsError(error, candidates));
  }
  // `--help` wins over a sibling's option, as it always has.
  const help = (parsed.values as { help?: boolean }).help === true;
  for (const token of siblings && !help ? parsed.tokens : []) {
    if (token.kind === 'option' && !(token.name in options) && siblings) {
      const hint = didYouMean(token.rawName, candidates);
      throw new UsageError(`${siblings.command} does not take ${token.rawName}${hint}`);
    }
  }
  return { values: parsed.values, positionals: parsed.positionals };
};

/** A whole number within `min..max`, or a usage error naming the flag. */
export const integerOption = (value: string, flag: string, min: number, max: number): number => {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
    throw new UsageError(`${flag} must be an integer in ${min}..${max}, got "${value}"`);
  }
  return parsed;
};

/** `--account AC…`, checked. */
export const accountOption = (value: string | undefined): string | undefined => {
  if (value !== undefined && !isAccountSid(value)) {
    throw new UsageError('--account must be an AC… SID');
  }
  return value;
};

/** `--message MM…|SM…`, checked. */
export const messageOption = (value: string | undefined): string | undefined => {
  if (value !== undefined && !isMessageSid(value)) {
    throw new UsageError('--message must be an MM…/SM… SID');
  }
  return value;
};

/** `--participant ADDRESS`: checked here, never echoed back (it is a phone number). */
export const participantOption = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  try {
    normalizeAddress(value);
  } catch (error) {
    if (!(error instanceof InvalidParticipantError)) throw error;
    throw new UsageError('--participant needs an address (+15550100001, whatsapp:+1555…)');
  }
  return value;
};
