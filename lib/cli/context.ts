import type { Writable } from 'node:stream';
import type { Day } from '../domain/utc-day.ts';
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
