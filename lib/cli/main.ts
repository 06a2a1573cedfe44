import { type ParsedCommand, parseCommandLine } from './args.ts';
import { type AnyCliCommand, runCommand, usageLine } from './command.ts';
import { command as backfill } from './commands/backfill.ts';
import { command as connect } from './commands/connect.ts';
import { command as doctor } from './commands/doctor.ts';
import { command as erase } from './commands/erase.ts';
import { command as exportZip } from './commands/export.ts';
import { command as find } from './commands/find.ts';
import { command as hold } from './commands/hold.ts';
import { command as reconcile } from './commands/reconcile.ts';
import { command as redrive } from './commands/redrive.ts';
import { command as sendTest } from './commands/send-test.ts';
import { EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';
import { HELP, resolveHelp } from './help.ts';
import type { CliIo } from './io.ts';
import { READ_COMMANDS, runRead } from './read-commands.ts';

/** Every command of `media-archive`, each of the one `CliCommand` shape. */
export const COMMANDS: readonly AnyCliCommand[] = [
  ...READ_COMMANDS,
  backfill,
  reconcile,
  redrive,
  doctor,
  exportZip,
  hold,
  find,
  erase,
  sendTest,
  connect,
];

const BY_NAME = new Map(COMMANDS.map((command) => [command.name, command]));

/** Runs one command line; resolves to the exit status (never throws, never exits the process). */
export const runCli = async (
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> => {
  const command = argv[0] === undefined ? undefined : BY_NAME.get(argv[0]);
  if (command) return runCommand(command, argv.slice(1), io);
  const topic = argv[0] === 'help' && argv[1] !== undefined ? BY_NAME.get(argv[1]) : undefined;
  if (topic && argv.length === 2) {
    io.stdout.write(resolveHelp(topic.help, io.env ?? process.env));
    return EXIT_OK;
  }
  // No command first: `help [topic]`, `--help`, a typo, or options before a read-only command.
  let parsed: ParsedCommand;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(usageLine(error));
    return EXIT_USAGE;
  }
  if (parsed.command === 'help') {
    io.stdout.write(resolveHelp(HELP[parsed.topic], io.env ?? process.env));
    return EXIT_OK;
  }
  return runRead(parsed, io);
};
