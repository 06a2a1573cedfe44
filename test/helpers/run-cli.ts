import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AnyCliCommand, CommandIo } from '../../lib/cli/command.ts';
import { runCommand } from '../../lib/cli/envelope.ts';

const BIN = fileURLToPath(new URL('../../bin/media-archive.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `media-archive` bin in a child process, as a user would. */
export const runMediaArchive = (
  args: readonly string[],
  env: Record<string, string | undefined>,
  cwd?: string,
): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        ...(cwd ? { cwd } : {}),
        env: { ...process.env, TWILIO_ACCOUNT_SID: undefined, ...env } as NodeJS.ProcessEnv,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });

/** One command run in-process through the CLI's one envelope, as `media-archive <name> …` runs it. */
export const runnerOf =
  (command: AnyCliCommand) =>
  (argv: readonly string[], io: CommandIo): Promise<number> =>
    runCommand(command, argv, io);
