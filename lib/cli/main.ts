import { parseArgs } from 'node:util';
import type { AnyCliCommand, CommandIo } from './command.ts';
import { command as backfill } from './commands/backfill.ts';
import { command as connect } from './commands/connect.ts';
import { command as disconnect } from './commands/disconnect.ts';
import { command as doctor } from './commands/doctor.ts';
import { command as erase } from './commands/erase.ts';
import { command as exportZip } from './commands/export.ts';
import { command as find } from './commands/find.ts';
import { command as get } from './commands/get.ts';
import { command as hold } from './commands/hold.ts';
import { command as ls } from './commands/ls.ts';
import { command as reconcile } from './commands/reconcile.ts';
import { command as redrive } from './commands/redrive.ts';
import { command as serve } from './commands/serve.ts';
import { command as stats } from './commands/stats.ts';
import { command as url } from './commands/url.ts';
import { runCommand, usageLine } from './envelope.ts';
import { EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';
import { EXIT_HELP, resolveHelp, TARGET_HELP } from './help.ts';
import { HELP_OPTION, type OptionsSpec, parseOptions } from './options.ts';
import { didYouMean } from './suggest.ts';

/** Every command of the product's `media-archive`, in the main help's order. */
export const COMMANDS: readonly AnyCliCommand[] = [
  ls,
  get,
  url,
  stats,
  serve,
  backfill,
  reconcile,
  redrive,
  doctor,
  exportZip,
  hold,
  find,
  erase,
  connect,
  disconnect,
];

const INTRO = `Usage: media-archive <command> [options]

Query the Twilio media archive with S3 listings. Keys are laid out
  {prefix}{AccountSid}/{YYYY}/{MM}/{DD}/{MessageSid}/{MediaSid}{ext}
so a day, and a message within a day, are one prefix listing each. A message's record,
{prefix}_records/{AccountSid}/{YYYY}/{MM}/{DD}/{MessageSid}.json, is its index entry (older
archives: …/{MessageSid}/message.json and a zero-byte {prefix}_index/{MessageSid}/… entry), so a
message is found without its date by its index entry or a HEAD per day with records.`;

/** The main help: the commands' own summaries, the read-only ones first. */
export const mainHelp = (commands: readonly AnyCliCommand[]): string => {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2;
  const lines = (kind: AnyCliCommand['kind']) =>
    commands
      .filter((command) => command.kind === kind)
      .map(
        ({ name, summary }) =>
          `  ${name.padEnd(width)}${summary.replaceAll('\n', `\n${' '.repeat(width + 2)}`)}`,
      )
      .join('\n');
  return `${INTRO}

Commands:
${lines('read')}

${lines('operation')}

Run media-archive <command> --help for its options.

${TARGET_HELP}

${EXIT_HELP}
`;
};

type CommandLine =
  | { help: AnyCliCommand | 'main' }
  | { command: AnyCliCommand; argv: readonly string[] };

/** Options that may come before a command (`media-archive --local ls`): every command's. */
const leadingOptions = (commands: readonly AnyCliCommand[]): OptionsSpec =>
  Object.assign({}, ...commands.map((command) => command.options).reverse());

/** Which command (or help) a command line asks for; throws `UsageError` for none or a typo. */
const resolveCommandLine = (
  argv: readonly string[],
  commands: readonly AnyCliCommand[],
): CommandLine => {
  const byName = new Map(commands.map((command) => [command.name, command]));
  const unknown = (name: string) =>
    new UsageError(`unknown command "${name}"${didYouMean(name, [...byName.keys(), 'help'])}`);
  const first = argv[0] === undefined ? undefined : byName.get(argv[0]);
  if (first) return { command: first, argv: argv.slice(1) };
  const { tokens } = parseArgs({
    args: [...argv],
    options: leadingOptions(commands),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const named = tokens.find((token) => token.kind === 'positional');
  if (named?.value === 'help') {
    const topic = tokens.find((token) => token.kind === 'positional' && token.index > named.index);
    if (topic === undefined || topic.kind !== 'positional') return { help: 'main' };
    const command = byName.get(topic.value);
    if (!command) throw unknown(topic.value);
    return { help: command };
  }
  if (named) {
    const command = byName.get(named.value);
    if (!command) throw unknown(named.value);
    return { command, argv: argv.filter((_, index) => index !== named.index) };
  }
  const { values } = parseOptions(argv, { ...HELP_OPTION, ...leadingOptions(commands) });
  if (values.help) return { help: 'main' };
  throw new UsageError('a command is required');
};

/**
 * Runs one command line; resolves to the exit status (never throws, never exits the process).
 * `extraCommands`: commands a tool adds (the local stack's `send-test`, lib/local).
 */
export const runCli = async (
  argv: readonly string[],
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr },
  extraCommands: readonly AnyCliCommand[] = [],
): Promise<number> => {
  const commands = [...COMMANDS, ...extraCommands];
  let line: CommandLine;
  try {
    line = resolveCommandLine(argv, commands);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(usageLine(error));
    return EXIT_USAGE;
  }
  if ('command' in line) return runCommand(line.command, line.argv, io);
  const help = line.help === 'main' ? mainHelp(commands) : line.help.help;
  io.stdout.write(resolveHelp(help, io.env ?? process.env));
  return EXIT_OK;
};

/**
 * A command line as the command's own parser reads it: `{ command, ...its arguments }`, or the
 * help it asks for; a `UsageError` names the command it concerns.
 */
export const parseCommandLine = (
  argv: readonly string[],
  commands: readonly AnyCliCommand[] = COMMANDS,
): { command: string; [argument: string]: unknown } => {
  const line = resolveCommandLine(argv, commands);
  if (!('command' in line)) {
    return { command: 'help', topic: line.help === 'main' ? 'main' : line.help.name };
  }
  const { name } = line.command;
  try {
    const args = line.command.parse(line.argv, { stdout: process.stdout, stderr: process.stderr });
    return args === undefined ? { command: 'help', topic: name } : { command: name, ...args };
  } catch (error) {
    throw error instanceof UsageError ? new UsageError(error.message, name) : error;
  }
};
