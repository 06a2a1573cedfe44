import { parseArgs } from 'node:util';
import { EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';
import { resolveHelp } from './help.ts';
import type { CliIo } from './io.ts';
import { describeParseArgsError } from './parse-args-error.ts';

/** One option of a command: the same spec drives parsing, did-you-mean hints and the registry test. */
export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
}
export type OptionsSpec = Readonly<Record<string, OptionSpec>>;

/** What a command may touch; backfill/reconcile also take an abort signal (tests stop them). */
export type CommandIo = CliIo & { signal?: AbortSignal };

/**
 * The one shape of every `media-archive` command. `parse` gets the arguments after the command
 * name and returns the typed arguments, `undefined` when the help was asked for, or throws a
 * `UsageError`; `run` does the work and resolves to the exit status (it never throws).
 */
export interface CliCommand<A = unknown> {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  readonly options: OptionsSpec;
  /**
   * How a usage error starts: the read-only commands say `media-archive:`, the operations name
   * themselves (`media-archive backfill:`), as they always have.
   */
  readonly kind: 'read' | 'operation';
  parse(argv: readonly string[], io: CommandIo): A | undefined;
  run(args: A, io: CommandIo): Promise<number>;
}

/** Lets a registry hold commands of different argument types. */
// biome-ignore lint/suspicious/noExplicitAny: the registry is heterogeneous by design.
export type AnyCliCommand = CliCommand<any>;

export const defineCommand = <A>(command: CliCommand<A>): CliCommand<A> => command;

/** A usage error: one line and where the help is, so it does not scroll away under the help. */
export const usageLine = (error: UsageError, command?: Pick<AnyCliCommand, 'name' | 'kind'>) => {
  const name = command?.name ?? error.command;
  const prefix =
    command?.kind === 'operation' ? `media-archive ${command.name}:` : 'media-archive:';
  return `${prefix} ${error.message}\nsee \`media-archive ${name ? `${name} ` : ''}--help\`\n`;
};

/**
 * Runs a command's parser: the arguments, or the exit status once the help (0) or the one-line
 * usage error (64) is printed.
 */
export const parseOrExit = <A>(
  command: Pick<CliCommand<A>, 'name' | 'kind' | 'help' | 'parse'>,
  argv: readonly string[],
  io: CommandIo,
): A | number => {
  let args: A | undefined;
  try {
    args = command.parse(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(usageLine(error, command));
    return EXIT_USAGE;
  }
  if (args !== undefined) return args;
  io.stdout.write(resolveHelp(command.help, io.env ?? process.env));
  return EXIT_OK;
};

/** Parses, prints the help or the usage error, or runs: the exit status. */
export const runCommand = async <A extends object>(
  command: CliCommand<A>,
  argv: readonly string[],
  io: CommandIo,
): Promise<number> => {
  const args = parseOrExit(command, argv, io);
  return typeof args === 'number' ? args : command.run(args, io);
};

/** The candidates a mistyped option is compared with: `--name` for every option of the spec. */
export const optionFlags = (options: OptionsSpec): string[] =>
  Object.keys(options).map((name) => `--${name}`);

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
  } = {},
) => {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: settings.positionals ?? false,
    });
    return { values, positionals };
  } catch (error) {
    const { code, message = '' } = error as { code?: string; message?: string };
    const unknown = /^Unknown option '(--?[^' ]+)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown && settings.describeUnknown) {
      throw new UsageError(settings.describeUnknown(unknown));
    }
    throw new UsageError(describeParseArgsError(error, optionFlags(options)));
  }
};
