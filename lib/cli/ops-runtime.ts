import {
  openMediaQueue as composeMediaQueue,
  type OpsArchive,
  openOpsArchive,
} from '../compose/cli.ts';
import type { BackfillConfig } from '../config/cli.ts';
import { formatBytes } from '../domain/bytes.ts';
import { countOf } from '../domain/count.ts';
import { ArchiverError, StorageUnavailableError } from '../domain/errors.ts';
import type { JobQueue } from '../ports/pipeline.ts';
import { CheckpointError } from '../use-cases/backfill/checkpoint.ts';
import type { BackfillCounts } from '../use-cases/backfill/counts.ts';
import { type OptionsSpec, parseOptions, parseOrExit } from './command.ts';
import { EXIT_FAILURE } from './errors.ts';
import { describeFailure, type FailureContext } from './failure.ts';
import type { CliIo } from './io.ts';
import { createProgress, type Progress } from './progress.ts';

/** Shared wiring of `media-archive backfill|reconcile|redrive` (never bundled into a Lambda). */

export const EXIT_INTERRUPTED = 130;

/** The shared flag parser, values only: for the operations without positionals. */
export const parseFlags = <const O extends OptionsSpec>(argv: readonly string[], options: O) =>
  parseOptions(argv, options).values;

/**
 * Runs a command's argument parser (`undefined` = help was asked for): returns the arguments, or
 * the exit code once the help (exit 0) or a usage error (exit 64) is printed.
 */
export const parseCommandArgs = <T extends object>(
  command: string,
  help: string,
  io: CliIo,
  parse: () => T | undefined,
): T | number => parseOrExit({ name: command, kind: 'operation', help, parse }, [], io);

export interface OpsRun {
  failure: FailureContext;
  progress: Progress;
  /** Destroyed when the command ends, whatever its outcome. */
  own<T extends { destroy(): void }>(resource: T): T;
}

/** An ops command's body: any failure becomes one line on stderr and exit 1. */
export const runOpsCommand = async (
  command: string,
  io: CliIo,
  local: boolean,
  body: (run: OpsRun) => Promise<number>,
): Promise<number> => {
  const failure: FailureContext = { local };
  const progress = createProgress(io.stderr);
  const owned: { destroy(): void }[] = [];
  const own = <T extends { destroy(): void }>(resource: T): T => {
    owned.push(resource);
    return resource;
  };
  try {
    return await body({ failure, progress, own });
  } catch (error) {
    progress.done();
    io.stderr.write(`media-archive ${command}: ${describeOpsFailure(error, failure)}\n`);
    return EXIT_FAILURE;
  } finally {
    for (const resource of owned) resource.destroy();
  }
};

/** Stops the walk after the current page on Ctrl-C (a second Ctrl-C kills as usual). */
export const interruptSignal = (io: { signal?: AbortSignal }) => {
  if (io.signal) return { signal: io.signal, destroy: () => undefined };
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, destroy: () => process.off('SIGINT', onSigint) };
};

/** The archive's adapters, with the bucket and endpoint noted for failure messages. */
export const openArchive = (run: OpsRun, config: BackfillConfig): OpsArchive => {
  run.failure.bucket = config.archiver.archiveBucket;
  run.failure.endpoint = config.s3.endpoint;
  return run.own(openOpsArchive(config));
};

export const openMediaQueue = (run: OpsRun, config: BackfillConfig): Promise<JobQueue> =>
  composeMediaQueue(config, run.own);

export const formatCounts = (counts: BackfillCounts, verb: string): string => {
  const parts = [
    countOf(counts.pages, 'page'),
    countOf(counts.messages, 'message'),
    `${counts.mediaFound} media found`,
    `${counts.enqueued} ${verb}`,
    `${counts.alreadyArchived} already archived`,
  ];
  if (counts.skippedInFlight) parts.push(`${counts.skippedInFlight} skipped (in flight)`);
  if (counts.skippedRecent) parts.push(`${counts.skippedRecent} skipped (too recent)`);
  if (counts.failed) parts.push(`${counts.failed} failed`);
  if (counts.bytes !== null) {
    parts.push(
      `${formatBytes(counts.bytes)} total${counts.unknownSizes ? ` (+${counts.unknownSizes} of unknown size)` : ''}`,
    );
  }
  return parts.join(', ');
};

/** One line for stderr: S3 failures keep the ls/get wording, the rest name their service. */
export const describeOpsFailure = (error: unknown, context: FailureContext): string => {
  if (error instanceof StorageUnavailableError && error.cause) {
    return describeFailure(error.cause, context).message;
  }
  if (error instanceof CheckpointError) return error.message;
  if (error instanceof ArchiverError) {
    const where = context.local ? ' (is the local stack running? npm start)' : '';
    return `${error.message}${/failed|unavailable/i.test(error.message) ? where : ''}`;
  }
  const sdk = error as { name?: string; message?: string; $metadata?: unknown };
  if (sdk?.$metadata && sdk.name?.includes('Queue')) return `SQS: ${sdk.name}: ${sdk.message}`;
  return describeFailure(error, context).message;
};
