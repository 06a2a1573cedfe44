import { openCliArchive, openMediaQueue, openOpsArchive } from '../compose/cli.ts';
import { readCliConfig } from '../config/cli.ts';
import { participantKeys } from '../config/env.ts';
import { withLocalParticipantKey } from '../config/local-participant-key.ts';
import { lookupIdsFor } from '../domain/participant.ts';
import { dayOf } from '../domain/utc-day.ts';
import type { AnyCliCommand, ArchiveRun, CliCommand, CommandIo, RunContext } from './command.ts';
import { EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';
import { describeFailure, type FailureContext } from './failure.ts';
import { resolveHelp } from './help.ts';
import { createProgress } from './progress.ts';

/** How a command's messages start (command.ts, `kind`). */
const prefixOf = (command: Pick<AnyCliCommand, 'name' | 'kind'> | undefined) =>
  command?.kind === 'operation' ? `media-archive ${command.name}:` : 'media-archive:';

/** A usage error: one line and where the help is, so it does not scroll away under the help. */
export const usageLine = (error: UsageError, command?: Pick<AnyCliCommand, 'name' | 'kind'>) => {
  const name = command?.name ?? error.command;
  return `${prefixOf(command)} ${error.message}\nsee \`media-archive ${name ? `${name} ` : ''}--help\`\n`;
};

/** The context a command runs in; everything it opens is listed in `owned` for the cleanup. */
const runContext = (
  io: CommandIo,
  failure: FailureContext,
  owned: { destroy(): void }[],
): RunContext => {
  const env = io.env ?? process.env;
  const now = io.now ?? (() => new Date());
  const own = <T extends { destroy(): void }>(resource: T): T => {
    owned.push(resource);
    return resource;
  };
  const base = {
    stdout: io.stdout,
    stderr: io.stderr,
    progress: createProgress(io.stderr),
    today: dayOf(now()),
    cwd: io.cwd ?? process.cwd(),
  };
  let archive: ArchiveRun | undefined;
  return {
    ...base,
    env,
    now,
    failure,
    own,
    interrupt: () => {
      if (io.signal) return io.signal;
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      own({ destroy: () => process.off('SIGINT', onSigint) });
      return controller.signal;
    },
    archive: (target) => {
      if (archive) return archive;
      const config = readCliConfig({ local: target.local }, env);
      failure.bucket = config.bucket;
      failure.endpoint = config.s3.endpoint;
      const opened = own(openCliArchive(config, target.account));
      archive = { ...base, reader: opened.reader, bucket: config.bucket, archive: opened, config };
      return archive;
    },
    opsArchive: (config) => {
      failure.bucket = config.archiver.archiveBucket;
      failure.endpoint = config.s3.endpoint;
      return own(openOpsArchive(config));
    },
    mediaQueue: (config) => openMediaQueue(config, own),
    participantLookup: async (address, local) => {
      const keys = participantKeys(await withLocalParticipantKey(local, env));
      if (keys.length === 0) {
        throw new UsageError(
          '--participant needs the key the archive was written with: ARCHIVE_PARTICIPANT_KEY (deployed: aws ssm get-parameter --with-decryption --name /…/archive-participant-key)',
        );
      }
      return lookupIdsFor(keys, address);
    },
  };
};

/**
 * The one run envelope of every command: its arguments (the help, or a one-line usage error,
 * exit 64), then `run` in a context that opens config and clients through lib/compose on
 * demand; any failure becomes one line on stderr with its exit status, and whatever was opened
 * is closed, whatever the outcome.
 */
export const runCommand = async <A>(
  command: CliCommand<A>,
  argv: readonly string[],
  io: CommandIo,
): Promise<number> => {
  let args: A | undefined;
  try {
    args = command.parse(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(usageLine(error, command));
    return EXIT_USAGE;
  }
  if (args === undefined) {
    io.stdout.write(resolveHelp(command.help, io.env ?? process.env));
    return EXIT_OK;
  }
  const failure: FailureContext = { local: (args as { local?: unknown }).local === true };
  const owned: { destroy(): void }[] = [];
  const context = runContext(io, failure, owned);
  try {
    return (await command.run(args, context)) ?? EXIT_OK;
  } catch (error) {
    context.progress.done();
    if (error instanceof UsageError) {
      io.stderr.write(usageLine(error, command));
      return EXIT_USAGE;
    }
    const { message, exitCode } = describeFailure(error, failure);
    io.stderr.write(`${prefixOf(command)} ${message}\n`);
    return exitCode;
  } finally {
    for (const resource of owned) resource.destroy();
  }
};
