import { type CliArchive, openCliArchive } from '../compose/cli.ts';
import { type CliConfig, readCliConfig } from '../config/cli.ts';
import { archiveContextFor, type CommandContext } from './context.ts';
import { EXIT_USAGE, UsageError } from './errors.ts';
import { describeFailure, type FailureContext } from './failure.ts';
import type { CliIo } from './io.ts';
import { createProgress } from './progress.ts';

export interface ArchiveCommandRun {
  context: CommandContext;
  archive: CliArchive;
  config: CliConfig;
}

/**
 * What `hold` and `export` run with once their arguments are parsed: the archive's adapters as
 * the read-only commands get them, with their failure messages and exit codes (2 for
 * "not in the archive").
 */
export const runArchiveCommand = async <T extends { local?: boolean; account?: string }>(
  command: string,
  help: string,
  io: CliIo,
  args: T,
  body: (args: T, run: ArchiveCommandRun) => Promise<number>,
): Promise<number> => {
  const failure: FailureContext = { local: args.local ?? false };
  const progress = createProgress(io.stderr);
  let archive: CliArchive | undefined;
  try {
    const config = readCliConfig({ local: failure.local }, io.env);
    failure.bucket = config.bucket;
    failure.endpoint = config.s3.endpoint;
    archive = openCliArchive(config, args.account);
    const context = archiveContextFor(config, archive.reader, io, progress);
    return await body(args, { context, archive, config });
  } catch (error) {
    progress.done();
    if (error instanceof UsageError) {
      io.stderr.write(`media-archive ${command}: ${error.message}\n\n${help}`);
      return EXIT_USAGE;
    }
    const { message, exitCode } = describeFailure(error, failure);
    io.stderr.write(`media-archive ${command}: ${message}\n`);
    return exitCode;
  } finally {
    archive?.destroy();
  }
};
