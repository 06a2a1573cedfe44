import type { Writable } from 'node:stream';
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

/** The context of a command that reads the archive through `reader` (lib/compose builds it). */
export const archiveContextFor = (
  config: CliConfig,
  reader: ArchiveReader,
  io: { stdout: Writable; stderr: StatusStream; now?: () => Date; cwd?: string },
  progress: Progress,
): CommandContext => ({
  reader,
  bucket: config.bucket,
  stdout: io.stdout,
  stderr: io.stderr,
  progress,
  today: dayOf((io.now ?? (() => new Date()))()),
  cwd: io.cwd ?? process.cwd(),
});
