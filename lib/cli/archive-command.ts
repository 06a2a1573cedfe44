import type { S3Client } from '@aws-sdk/client-s3';
import { parseCommandArgs } from '../backfill/cli-runtime.ts';
import { type CliConfig, readCliConfig } from '../config.ts';
import { createArchiveReader } from './archive-reader.ts';
import type { CommandContext } from './context.ts';
import { dayOf } from './days.ts';
import { EXIT_USAGE, UsageError } from './errors.ts';
import { describeFailure, type FailureContext } from './failure.ts';
import type { CliIo } from './main.ts';
import { createProgress } from './progress.ts';
import { createCliS3Client } from './s3-client.ts';

export interface ArchiveCommandRun {
  context: CommandContext;
  s3: S3Client;
  config: CliConfig;
}

/**
 * What `hold` and `export` share: their own option parsing (like the other operations), then the
 * archive's S3 client and reader as the read-only commands get them, with their failure messages
 * and exit codes (2 for "not in the archive").
 */
export const runArchiveCommand = async <T extends { local?: boolean; account?: string }>(
  command: string,
  help: string,
  io: CliIo,
  parse: () => T | undefined,
  body: (args: T, run: ArchiveCommandRun) => Promise<number>,
): Promise<number> => {
  const args = parseCommandArgs(command, help, io, parse);
  if (typeof args === 'number') return args;
  const failure: FailureContext = { local: args.local ?? false };
  const progress = createProgress(io.stderr);
  let s3: S3Client | undefined;
  try {
    const config = readCliConfig({ local: failure.local }, io.env);
    failure.bucket = config.bucket;
    failure.endpoint = config.s3.endpoint;
    s3 = createCliS3Client(config.s3);
    const accountSid = args.account ?? config.accountSid;
    const context: CommandContext = {
      reader: createArchiveReader({
        s3,
        bucket: config.bucket,
        prefix: config.archivePrefix,
        ...(accountSid ? { accountSid } : {}),
      }),
      bucket: config.bucket,
      stdout: io.stdout,
      stderr: io.stderr,
      progress,
      today: dayOf((io.now ?? (() => new Date()))()),
      cwd: io.cwd ?? process.cwd(),
    };
    return await body(args, { context, s3, config });
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
    s3?.destroy();
  }
};
