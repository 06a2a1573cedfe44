import type { Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { createArchiveReader } from '../adapters/s3/s3-archive-reader.ts';
import type { CliConfig } from '../config/cli.ts';
import { type Day, dayOf } from '../domain/utc-day.ts';
import type { ArchiveReader } from '../ports/archive-reader.ts';
import type { Progress, StatusStream } from './progress.ts';

/** What every command gets from main: the archive, the streams and the clock. */
export interface CommandContext {
  reader: ArchiveReader;
  bucket: string;
  stdout: Writable;
  stderr: StatusStream;
  progress: Progress;
  today: Day;
  cwd: string;
}

/** The context of a command that reads the archive: one reader over `s3`, narrowed to `account`. */
export const archiveContextFor = (
  config: CliConfig,
  s3: S3Client,
  io: { stdout: Writable; stderr: StatusStream; now?: () => Date; cwd?: string },
  account: string | undefined,
  progress: Progress,
): CommandContext => {
  const accountSid = account ?? config.accountSid;
  return {
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
};
