import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../lib/cli/errors.ts';
import type { CliIo } from '../../../lib/cli/io.ts';
import {
  formatCounts,
  parseCommandArgs,
  parseFlags,
  runOpsCommand,
} from '../../../lib/cli/ops-runtime.ts';
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

describe('ops runtime', () => {
  it("turns parseArgs' complaints into one-line UsageErrors", () => {
    // Act / Assess
    expect(parseFlags(['--days', '3'], { days: { type: 'string' } })).toEqual({ days: '3' });
    expect(() => parseFlags(['--nope'], { days: { type: 'string' } })).toThrow(UsageError);
  });

  it('prints the help for --help (exit 0) and after a usage error (exit 64)', () => {
    // Prepare
    const help = 'Usage: media-archive thing\n';
    const asked = capture();
    const wrong = capture();

    // Act
    const helpCode = parseCommandArgs('thing', help, asked, () => undefined);
    const usageCode = parseCommandArgs('thing', help, wrong, () => {
      throw new UsageError('--days must be a number');
    });
    const args = parseCommandArgs('thing', help, capture(), () => ({ days: 3 }));

    // Assess
    expect(helpCode).toBe(0);
    expect(asked.out()).toBe(help);
    expect(usageCode).toBe(64);
    expect(wrong.err()).toBe(
      'media-archive thing: --days must be a number\nsee `media-archive thing --help`\n',
    );
    expect(args).toEqual({ days: 3 });
  });

  it('destroys what the command owned and reports its failure in one line, exit 1', async () => {
    // Prepare
    const io = capture();
    const destroyed: string[] = [];

    // Act
    const code = await runOpsCommand('backfill', io, false, async ({ own }) => {
      own({ destroy: () => destroyed.push('s3') });
      own({ destroy: () => destroyed.push('sqs') });
      throw new CheckpointError('.media-archive/x.json is not valid JSON: delete it to start over');
    });

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
