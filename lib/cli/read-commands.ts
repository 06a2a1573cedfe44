import { openCliArchive } from '../compose/cli.ts';
import { readCliConfig } from '../config/cli.ts';
import { type CommandName, optionsOf, type ParsedCommand, parseCommandLine } from './args.ts';
import { type CliCommand, type CommandIo, defineCommand, usageLine } from './command.ts';
import { runGet } from './commands/get.ts';
import { runLs } from './commands/ls.ts';
import { runServe } from './commands/serve.ts';
import { runStats } from './commands/stats.ts';
import { runUrl } from './commands/url.ts';
import { archiveContextFor } from './context.ts';
import { EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';
import { describeFailure, type FailureContext } from './failure.ts';
import { HELP, SUMMARY } from './help.ts';
import { createProgress } from './progress.ts';

export type ReadArgs = Exclude<ParsedCommand, { command: 'help' }>;

/** The archive's reader (lib/compose), as every read-only command gets it, then the command. */
const execute = async (parsed: ReadArgs, io: CommandIo, failure: FailureContext): Promise<void> => {
  const config = readCliConfig({ local: parsed.local }, io.env);
  failure.bucket = config.bucket;
  failure.endpoint = config.s3.endpoint;
  const archive = openCliArchive(config, parsed.account);
  try {
    const context = archiveContextFor(config, archive.reader, io, createProgress(io.stderr));
    if (parsed.command === 'ls') await runLs(parsed, context);
    else if (parsed.command === 'stats') await runStats(parsed, context);
    else if (parsed.command === 'get') await runGet(parsed, context);
    else if (parsed.command === 'serve') {
      await runServe(parsed, context, { prefix: config.archivePrefix, failure });
    } else await runUrl(parsed, context);
  } finally {
    archive.destroy();
  }
};

/** A read-only command's run: any failure becomes one line on stderr and its exit status. */
export const runRead = async (parsed: ReadArgs, io: CommandIo): Promise<number> => {
  const failure: FailureContext = { local: parsed.local };
  try {
    await execute(parsed, io, failure);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(usageLine(new UsageError(error.message, parsed.command)));
      return EXIT_USAGE;
    }
    const { message, exitCode } = describeFailure(error, failure);
    io.stderr.write(`media-archive: ${message}\n`);
    return exitCode;
  }
};

const readCommand = <N extends CommandName>(name: N): CliCommand<ReadArgs> =>
  defineCommand<ReadArgs>({
    name,
    kind: 'read',
    summary: SUMMARY[name],
    help: HELP[name],
    options: optionsOf(name),
    parse: (argv) => {
      const parsed = parseCommandLine([name, ...argv]);
      return parsed.command === 'help' ? undefined : parsed;
    },
    run: runRead,
  });

/** The commands that only read the archive (S3 listings and GETs). */
export const READ_COMMANDS = (['ls', 'get', 'url', 'stats', 'serve'] as const).map(readCommand);
