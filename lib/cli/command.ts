import type { Writable } from 'node:stream';
import type { CliArchive, OpsArchive } from '../compose/cli.ts';
import type { BackfillConfig, CliConfig } from '../config/cli.ts';
import type { Day } from '../domain/utc-day.ts';
import type { ArchiveReader } from '../ports/archive-reader.ts';
import type { JobQueue } from '../ports/pipeline.ts';
import type { FailureContext } from './failure.ts';
import type { CliIo } from './io.ts';
import type { OptionsSpec } from './options.ts';
import type { Progress, StatusStream } from './progress.ts';

/** What a command may touch; backfill/reconcile also take an abort signal (tests stop them). */
export type CommandIo = CliIo & { signal?: AbortSignal };

/** The archive as a command reads it: the reader, the streams and the clock. */
export interface CommandContext {
  reader: ArchiveReader;
  bucket: string;
  stdout: Writable;
  stderr: StatusStream;
  progress: Progress;
  today: Day;
  cwd: string;
}

/** `context.archive()`: the archive's context, its adapters and the settings they came from. */
export type ArchiveRun = CommandContext & { archive: CliArchive; config: CliConfig };

/**
 * What `run` gets from the one envelope (envelope.ts). Whatever it opens is closed when the
 * command ends, and a failure becomes one line on stderr with its exit status.
 */
export interface RunContext {
  stdout: StatusStream;
  stderr: StatusStream;
  env: Readonly<Record<string, string | undefined>>;
  now(): Date;
  today: Day;
  cwd: string;
  progress: Progress;
  /** Bucket and endpoint, noted as they become known, for the one-line failure message. */
  failure: FailureContext;
  /** Destroyed when the command ends, whatever its outcome. */
  own<T extends { destroy(): void }>(resource: T): T;
  /** Aborted on Ctrl-C (or by the caller's `io.signal`): a walk stops after its current page. */
  interrupt(): AbortSignal;
  /** The archive (ARCHIVE_BUCKET or `--local`), narrowed to `account` when given. */
  archive(target: { local: boolean; account?: string }): ArchiveRun;
  /** backfill/reconcile: the archive's adapters for each account's run. */
  opsArchive(config: BackfillConfig): OpsArchive;
  mediaQueue(config: BackfillConfig): Promise<JobQueue>;
  /**
   * The address's pseudonyms under the current and every previous key (ARCHIVE_PARTICIPANT_KEY,
   * ARCHIVE_PARTICIPANT_KEYS_PREVIOUS; `--local`: the local stack's own key).
   */
  participantLookup(address: string, local: boolean): Promise<Set<string>>;
}

/**
 * The one shape of every `media-archive` command, help beside it. `parse` gets the arguments after
 * the command name and returns the typed arguments, `undefined` when the help was asked for, or
 * throws a `UsageError`; `run` does the work and resolves to the exit status (nothing: 0).
 */
export interface CliCommand<A = unknown> {
  readonly name: string;
  /** Its line in the main help (continuation lines are indented under the first). */
  readonly summary: string;
  readonly help: string;
  readonly options: OptionsSpec;
  /**
   * How its messages start: the read-only commands say `media-archive:`, the operations name
   * themselves (`media-archive backfill:`), as they always have. The main help lists them apart.
   */
  readonly kind: 'read' | 'operation';
  parse(argv: readonly string[], io: CommandIo): A | undefined;
  run(args: A, context: RunContext): Promise<number | undefined> | Promise<void>;
}

/** Lets a registry hold commands of different argument types. */
// biome-ignore lint/suspicious/noExplicitAny: the registry is heterogeneous by design.
export type AnyCliCommand = CliCommand<any>;

export const defineCommand = <A>(command: CliCommand<A>): CliCommand<A> => command;
