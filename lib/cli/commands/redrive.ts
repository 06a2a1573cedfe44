import { type DeadLetteredJob, openRedrive } from '../../compose/cli.ts';
import { readRedriveConfig } from '../../config/cli.ts';
import {
  DEFAULT_LOCAL_SQS_PORT,
  LOCAL_DEAD_LETTER_QUEUE,
  LOCAL_MEDIA_QUEUE,
} from '../../config/local-constants.ts';
import { countOf } from '../../domain/count.ts';
import { defineCommand, type RunContext } from '../command.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import { accountOption, HELP_OPTION, parseOptions } from '../options.ts';

const OPTIONS = {
  ...HELP_OPTION,
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

const parse = (argv: readonly string[]) => {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.max !== undefined && (!/^\d+$/.test(values.max) || Number(values.max) < 1)) {
    throw new UsageError('--max must be a positive integer');
  }
  accountOption(values.account);
  return values.help ? undefined : values;
};

type RedriveArgs = NonNullable<ReturnType<typeof parse>>;

const runRedrive = async (values: RedriveArgs, context: RunContext): Promise<number> => {
  const local = values.local ?? false;
  const max = values.max === undefined ? undefined : Number(values.max);
  const { failure, progress, own } = context;
  const config = readRedriveConfig({ local }, context.env);
  failure.endpoint = config.sqs.endpoint;
  const redrive = await openRedrive(config, own);

  if (values['dry-run']) {
    const jobs = (await redrive.peek(max ?? DEFAULT_LIST_MAX)).filter(
      (job) => values.account === undefined || job.accountSid === values.account,
    );
    const approximate = await redrive.approximateCount();
    if (values.json) {
      context.stdout.write(
        `${JSON.stringify({ count: jobs.length, approximate, jobs }, null, 2)}\n`,
      );
    } else {
      for (const job of jobs) context.stdout.write(`${deadLetterLine(job)}\n`);
      context.stdout.write(
        `${countOf(jobs.length, 'dead-lettered job')} listed (about ${approximate} in the queue); nothing moved\n`,
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
      progress.update(`moving: ${task.moved}${task.toMove === undefined ? '' : `/${task.toMove}`}`),
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
    context.stdout.write(
      `${JSON.stringify({ moved, method, ...(status ? { status } : {}) }, null, 2)}\n`,
    );
  } else {
    context.stdout.write(
      `moved ${countOf(moved, 'dead-lettered job')} to the media queue (${method})\n`,
    );
  }
  return EXIT_OK;
};

const HELP = `Usage: media-archive redrive [--dry-run] [--local] [--max N] [--json]

Moves dead-lettered jobs back to the media queue, where the archiver retries them from scratch.
Uses SQS's own redrive (StartMessageMoveTask, waiting for it to finish); with --max, or where an
endpoint lacks that API, receives, re-sends and deletes them 10 at a time (a job is deleted from
the dead-letter queue only once the media queue accepted it).

  --dry-run              list the jobs and why they failed (FailureReason, ErrorName); move none
  --max N                move (or list) at most N jobs (list default 1000)
  --account AC…          only this account's jobs (moved by copy; the others stay)
  --json                 JSON on stdout
  --local                the local stack's SQS \${LOCAL_SQS_PORT:-${DEFAULT_LOCAL_SQS_PORT}} (${LOCAL_MEDIA_QUEUE}, ${LOCAL_DEAD_LETTER_QUEUE})
  -h, --help             this help

Environment (AWS): DEAD_LETTER_QUEUE_URL, MEDIA_QUEUE_URL, the standard AWS credential chain.
`;

export const command = defineCommand<RedriveArgs>({
  name: 'redrive',
  kind: 'operation',
  summary: 'move dead-lettered jobs back to the media queue (--dry-run lists their reasons)',
  help: HELP,
  options: OPTIONS,
  parse,
  run: runRedrive,
});
