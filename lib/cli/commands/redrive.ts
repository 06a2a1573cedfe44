import { type DeadLetteredJob, openRedrive } from '../../compose/cli.ts';
import { readRedriveConfig } from '../../config/cli.ts';
import { countOf } from '../../domain/count.ts';
import { isAccountSid } from '../../domain/sids.ts';
import { type CommandIo, defineCommand, runCommand } from '../command.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import { HELP, SUMMARY } from '../help.ts';
import { parseFlags, runOpsCommand } from '../ops-runtime.ts';

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

const parse = (argv: readonly string[]) => {
  const values = parseFlags(argv, OPTIONS);
  if (values.max !== undefined && (!/^\d+$/.test(values.max) || Number(values.max) < 1)) {
    throw new UsageError('--max must be a positive integer');
  }
  if (values.account !== undefined && !isAccountSid(values.account)) {
    throw new UsageError('--account must be an AC… SID');
  }
  return values.help ? undefined : values;
};

type RedriveArgs = NonNullable<ReturnType<typeof parse>>;

const runRedrive = async (values: RedriveArgs, io: CommandIo): Promise<number> => {
  const local = values.local ?? false;
  const max = values.max === undefined ? undefined : Number(values.max);
  return runOpsCommand('redrive', io, local, async ({ failure, progress, own }) => {
    const config = readRedriveConfig({ local }, io.env);
    failure.endpoint = config.sqs.endpoint;
    const redrive = await openRedrive(config, own);

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
      io.stdout.write(
        `moved ${countOf(moved, 'dead-lettered job')} to the media queue (${method})\n`,
      );
    }
    return EXIT_OK;
  });
};

export const command = defineCommand<RedriveArgs>({
  name: 'redrive',
  kind: 'operation',
  summary: SUMMARY.redrive,
  help: HELP.redrive,
  options: OPTIONS,
  parse,
  run: runRedrive,
});

export const run = (argv: readonly string[], io: CommandIo): Promise<number> =>
  runCommand(command, argv, io);
