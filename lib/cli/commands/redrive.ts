import { createSqsRedrive, type DeadLetteredJob } from '../../adapters/sqs-redrive.ts';
import {
  createCliSqsClient,
  parseCommandArgs,
  parseFlags,
  resolveQueueUrl,
  runOpsCommand,
} from '../../backfill/cli-runtime.ts';
import { readRedriveConfig } from '../../config.ts';
import { isAccountSid } from '../../domain/sids.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import type { CliIo } from '../main.ts';

export const HELP = `Usage: media-archive redrive [--dry-run] [--local] [--max N] [--json]

Moves dead-lettered jobs back to the media queue, where the archiver retries them from scratch.
Uses SQS's own redrive (StartMessageMoveTask, waiting for it to finish); with --max, or where an
endpoint lacks that API, receives, re-sends and deletes them 10 at a time (a job is deleted from
the dead-letter queue only once the media queue accepted it).

  --dry-run              list the jobs and why they failed (FailureReason, ErrorName); move none
  --max N                move (or list) at most N jobs (list default 1000)
  --account AC…          only this account's jobs (moved by copy; the others stay)
  --json                 JSON on stdout
  --local                the local stack's SQS \${LOCAL_SQS_PORT:-9324} (media-jobs, media-jobs-dlq)
  -h, --help             this help

Environment (AWS): DEAD_LETTER_QUEUE_URL, MEDIA_QUEUE_URL, the standard AWS credential chain.
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  'dry-run': { type: 'boolean' },
  max: { type: 'string' },
  account: { type: 'string' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
} as const;

const DEFAULT_LIST_MAX = 1000;

const deadLetterLine = (job: DeadLetteredJob) =>
  [
    job.messageSid ?? '-',
    job.mediaSid ?? job.messageId,
    job.errorName ?? '-',
    job.failureReason ?? '(no reason recorded)',
  ].join('\t');

export const run = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const values = parseCommandArgs('redrive', HELP, io, () => {
    const values = parseFlags(argv, OPTIONS);
    if (values.max !== undefined && (!/^\d+$/.test(values.max) || Number(values.max) < 1)) {
      throw new UsageError('--max must be a positive integer');
    }
    if (values.account !== undefined && !isAccountSid(values.account)) {
      throw new UsageError('--account must be an AC… SID');
    }
    return values.help ? undefined : values;
  });
  if (typeof values === 'number') return values;
  const local = values.local ?? false;
  const max = values.max === undefined ? undefined : Number(values.max);
  return runOpsCommand('redrive', io, local, async ({ failure, progress, own }) => {
    const config = readRedriveConfig({ local }, io.env);
    failure.endpoint = config.sqs.endpoint;
    const sqs = own(createCliSqsClient(config.sqs));
    const redrive = createSqsRedrive({
      client: sqs,
      deadLetterQueueUrl: await resolveQueueUrl(
        sqs,
        config.deadLetterQueue,
        'DEAD_LETTER_QUEUE_URL',
      ),
      mediaQueueUrl: await resolveQueueUrl(sqs, config.mediaQueue, 'MEDIA_QUEUE_URL'),
    });

    if (values['dry-run']) {
      const jobs = (await redrive.peek(max ?? DEFAULT_LIST_MAX)).filter(
        (job) => values.account === undefined || job.accountSid === values.account,
      );
      const approximate = await redrive.approximateCount();
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ count: jobs.length, approximate, jobs }, null, 2)}\n`);
      } else {
        for (const job of jobs) io.stdout.write(`${deadLetterLine(job)}\n`);
        io.stdout.write(
          `${jobs.length} dead-lettered jobs listed (about ${approximate} in the queue); nothing moved\n`,
        );
      }
      return EXIT_OK;
    }

    let moved: number;
    let method: 'move-task' | 'copy' = 'copy';
    let status: string | undefined;
    // SQS's move task moves everything: one account's jobs are moved by copy.
    const handle =
      max === undefined && values.account === undefined ? await redrive.startMoveTask() : undefined;
    if (handle !== undefined) {
      method = 'move-task';
      const final = await redrive.waitForMoveTask((task) =>
        progress.update(
          `moving: ${task.moved}${task.toMove === undefined ? '' : `/${task.toMove}`}`,
        ),
      );
      progress.done();
      moved = final?.moved ?? 0;
      status = final?.status;
      if (final && final.status !== 'COMPLETED') {
        throw new Error(
          `SQS move task ${final.status}${final.failureReason ? `: ${final.failureReason}` : ''}`,
        );
      }
    } else {
      moved = await redrive.moveByCopy(
        max ?? Number.POSITIVE_INFINITY,
        (count) => progress.update(`moved ${count}`),
        values.account,
      );
      progress.done();
    }
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ moved, method, ...(status ? { status } : {}) }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(`moved ${moved} dead-lettered jobs to the media queue (${method})\n`);
    }
    return EXIT_OK;
  });
};
