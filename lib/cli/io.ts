import type { StatusStream } from './progress.ts';

/** What a command may touch of its process: injected so tests run commands in-process. */
export interface CliIo {
  stdout: StatusStream;
  stderr: StatusStream;
  /** Defaults to the process environment (read by config.ts only). */
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
  cwd?: string;
}
