import { createArchiveReader } from '../adapters/s3/s3-archive-reader.ts';
import { createS3Client } from '../compose/clients.ts';
import { readCliConfig } from '../config/cli.ts';
import { dayOf } from '../domain/utc-day.ts';
import { type ParsedCommand, parseCommandLine } from './args.ts';
import { run as runBackfill } from './commands/backfill.ts';
import { run as runDoctor } from './commands/doctor.ts';
import { run as runExport } from './commands/export.ts';
import { runGet } from './commands/get.ts';
import { run as runHold } from './commands/hold.ts';
import { runLs } from './commands/ls.ts';
import { run as runReconcile } from './commands/reconcile.ts';
import { run as runRedrive } from './commands/redrive.ts';
import { run as runSendTest } from './commands/send-test.ts';
import { runServe } from './commands/serve.ts';
import { runStats } from './commands/stats.ts';
import { runUrl } from './commands/url.ts';
import type { CommandContext } from './context.ts';
import { EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';
import { describeFailure, type FailureContext } from './failure.ts';
import { HELP, resolveHelp } from './help.ts';
import { createProgress, type StatusStream } from './progress.ts';

export interface CliIo {
  stdout: StatusStream;
  stderr: StatusStream;
  /** Defaults to the process environment (read by config.ts only). */
  env?: Readonly<Record<string, string | undefined>>;
  now?: () => Date;
  cwd?: string;
}

const run = async (
  parsed: Exclude<ParsedCommand, { command: 'help' }>,
  io: CliIo,
  failure: FailureContext,
): Promise<void> => {
  const config = readCliConfig({ local: parsed.local }, io.env);
  failure.bucket = config.bucket;
  failure.endpoint = config.s3.endpoint;
  const s3 = createS3Client(config.s3);
  try {
    const accountSid = parsed.account ?? config.accountSid;
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
      progress: createProgress(io.stderr),
      today: dayOf((io.now ?? (() => new Date()))()),
      cwd: io.cwd ?? process.cwd(),
    };
    if (parsed.command === 'ls') await runLs(parsed, context);
    else if (parsed.command === 'stats') await runStats(parsed, context);
    else if (parsed.command === 'get') await runGet(parsed, context);
    else if (parsed.command === 'serve') {
      await runServe(parsed, context, { prefix: config.archivePrefix, failure });
    } else await runUrl(parsed, context);
  } finally {
    s3.destroy();
  }
};

/** Commands that change things (queue, Twilio) parse their own options. */
const OPERATIONS: Record<string, (argv: readonly string[], io: CliIo) => Promise<number>> = {
  backfill: runBackfill,
  doctor: runDoctor,
  export: runExport,
  hold: runHold,
  reconcile: runReconcile,
  redrive: runRedrive,
  'send-test': runSendTest,
};

/** A usage error: one line and where the help is, so it does not scroll away under the help. */
export const usageLine = (error: UsageError): string =>
  `media-archive: ${error.message}\nsee \`media-archive ${error.command ? `${error.command} ` : ''}--help\`\n`;

/** Runs one command line; resolves to the exit status (never throws, never exits the process). */
export const runCli = async (
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> => {
  const operation = argv[0] === undefined ? undefined : OPERATIONS[argv[0]];
  if (operation) return operation(argv.slice(1), io);
  let parsed: ParsedCommand;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(usageLine(error));
    return EXIT_USAGE;
  }
  if (parsed.command === 'help') {
    io.stdout.write(resolveHelp(HELP[parsed.topic], io.env ?? process.env));
    return EXIT_OK;
  }
  const failure: FailureContext = { local: parsed.local };
  try {
    await run(parsed, io, failure);
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
