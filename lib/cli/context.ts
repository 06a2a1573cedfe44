import type { Writable } from 'node:stream';
import type { ArchiveReader } from '../adapters/s3/s3-archive-reader.ts';
import type { Day } from './days.ts';
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
