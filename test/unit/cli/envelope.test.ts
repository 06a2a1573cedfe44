import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CliCommand, defineCommand, type RunContext } from '../../../lib/cli/command.ts';
import { runCommand } from '../../../lib/cli/envelope.ts';
import { UsageError } from '../../../lib/cli/errors.ts';
import { formatCounts } from '../../../lib/cli/format.ts';
import type { CliIo } from '../../../lib/cli/io.ts';
import { parseOptions } from '../../../lib/cli/options.ts';
import { emptyCounts } from '../../../lib/use-cases/backfill/backfill.ts';
import { CheckpointError } from '../../../lib/use-cases/backfill/checkpoint.ts';

const capture = (): CliIo & { out: () => string; err: () => string } => {
  const streams = { stdout: [] as string[], stderr: [] as string[] };
  const sink = (into: string[]) =>
    new Writable({
      write(chunk, _encoding, callback) {
        into.push(String(chunk));
        callback();
      },
    });
  return {
    stdout: sink(streams.stdout),
    stderr: sink(streams.stderr),
    out: () => streams.stdout.join(''),
    err: () => streams.stderr.join(''),
  };
};

/** A command whose parser and body the test supplies. */
const thing = <A>(
  parse: (argv: readonly string[]) => A | undefined,
  run: (args: A, context: RunContext) => Promise<number | undefined>,
  kind: 'read' | 'operation' = 'operation',
): CliCommand<A> =>
  defineCommand<A>({
    name: 'thing',
    kind,
    summary: 'a thing',
    help: 'Usage: media-archive thing\n',
    options: {},
    parse,
    run,
  });

describe('the run envelope', () => {
  it("turns parseArgs' complaints into one-line UsageErrors", () => {
    // Act / Assess
    expect(parseOptions(['--days', '3'], { days: { type: 'string' } }).values).toEqual({
      days: '3',
    });
    expect(() => parseOptions(['--nope'], { days: { type: 'string' } })).toThrow(UsageError);
  });

  it('prints the help for --help (exit 0) and a usage error in one line (exit 64)', async () => {
    // Prepare
    const asked = capture();
    const wrong = capture();
    const ran = capture();
    const seen: unknown[] = [];

    // Act
    const helpCode = await runCommand(
      thing(
        () => undefined,
        async () => 0,
      ),
      [],
      asked,
    );
    const usageCode = await runCommand(
      thing(
        () => {
          throw new UsageError('--days must be a number');
        },
        async () => 0,
      ),
      [],
      wrong,
    );
    const runCode = await runCommand(
      thing(
        () => ({ days: 3 }),
        async (args) => {
          seen.push(args);
          return undefined;
        },
      ),
      [],
      ran,
    );

    // Assess
    expect(helpCode).toBe(0);
    expect(asked.out()).toBe('Usage: media-archive thing\n');
    expect(usageCode).toBe(64);
    expect(wrong.err()).toBe(
      'media-archive thing: --days must be a number\nsee `media-archive thing --help`\n',
    );
    expect(runCode).toBe(0);
    expect(seen).toEqual([{ days: 3 }]);
  });

  it('answers a usage error found while running as one it parsed, prefixed by kind', async () => {
    // Prepare
    const operation = capture();
    const read = capture();
    const refuse = async (): Promise<number> => {
      throw new UsageError('--participant needs the key');
    };

    // Act
    const operationCode = await runCommand(
      thing(() => ({}), refuse),
      [],
      operation,
    );
    const readCode = await runCommand(
      thing(() => ({}), refuse, 'read'),
      [],
      read,
    );

    // Assess
    expect([operationCode, readCode]).toEqual([64, 64]);
    expect(operation.err()).toBe(
      'media-archive thing: --participant needs the key\nsee `media-archive thing --help`\n',
    );
    expect(read.err()).toBe(
      'media-archive: --participant needs the key\nsee `media-archive thing --help`\n',
    );
  });

  it('destroys what the command owned and reports its failure in one line, exit 1', async () => {
    // Prepare
    const io = capture();
    const destroyed: string[] = [];
    const command = thing(
      () => ({}),
      async (_args, { own }) => {
        own({ destroy: () => destroyed.push('s3') });
        own({ destroy: () => destroyed.push('sqs') });
        throw new CheckpointError(
          '.media-archive/x.json is not valid JSON: delete it to start over',
        );
      },
    );

    // Act
    const code = await runCommand({ ...command, name: 'backfill' }, [], io);

    // Assess
    expect(code).toBe(1);
    expect(destroyed).toEqual(['s3', 'sqs']);
    expect(io.err()).toBe(
      'media-archive backfill: .media-archive/x.json is not valid JSON: delete it to start over\n',
    );
  });

  it('counts what a run did, sizes only when they were measured', () => {
    // Prepare
    const counts = { ...emptyCounts(true), pages: 2, messages: 5, mediaFound: 4, enqueued: 3 };

    // Act
    const line = formatCounts(
      { ...counts, alreadyArchived: 1, failed: 1, bytes: 2048 },
      'enqueued',
    );

    // Assess
    expect(line).toBe(
      '2 pages, 5 messages, 4 media found, 3 enqueued, 1 already archived, 1 failed, 2.0 KiB total',
    );
    expect(formatCounts(emptyCounts(), 'to enqueue')).toBe(
      '0 pages, 0 messages, 0 media found, 0 to enqueue, 0 already archived',
    );
  });

  it('says 1 page and 1 message, not "1 pages, 1 messages"', () => {
    // Prepare
    const counts = { ...emptyCounts(), pages: 1, messages: 1, mediaFound: 1, enqueued: 1 };

    // Act
    const line = formatCounts(counts, 'enqueued');

    // Assess
    expect(line).toBe('1 page, 1 message, 1 media found, 1 enqueued, 0 already archived');
  });
});
