import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsJobQueue } from '../../adapters/sqs-job-queue.ts';
import {
  createCliSqsClient,
  describeOpsFailure,
  formatCounts,
  presenceFor,
  resolveQueueUrl,
} from '../../backfill/cli-runtime.ts';
import { createCatalogFor } from '../../backfill/deps.ts';
import { reconcile, reconcileWindow } from '../../backfill/reconcile.ts';
import { readBackfillConfig } from '../../config.ts';
import type { JobQueue } from '../../ports.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from '../errors.ts';
import type { FailureContext } from '../failure.ts';
import type { CliIo } from '../main.ts';
import { createProgress } from '../progress.ts';
import { createCliS3Client } from '../s3-client.ts';
import { EXIT_INTERRUPTED, interruptSignal } from './backfill.ts';

export const HELP = `Usage: media-archive reconcile [--local] [--days N] [options]

What the scheduled reconcile function does, on demand: lists the messages of today and the N
days before (UTC) and enqueues the media still at Twilio that the archive lacks (a lost
webhook's). Messages younger than RECONCILE_MIN_AGE_MINUTES (default 15) are left alone: their
webhook jobs may still be queued.

  --days N               days before today to cover (default RECONCILE_LOOKBACK_DAYS, else 2)
  --direction inbound|all  as for backfill (default inbound)
  --dry-run              count only, enqueue nothing
  --json                 one JSON summary on stdout
  --local                the local stack (see media-archive backfill --help)
  -h, --help             this help
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  days: { type: 'string' },
  direction: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
} as const;

export const run = async (
  argv: readonly string[],
  io: CliIo & { signal?: AbortSignal },
): Promise<number> => {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true }));
    if (values.days !== undefined && !/^\d+$/.test(values.days)) {
      throw new UsageError('--days must be an integer in 1..400');
    }
    const days = Number(values.days ?? 1);
    if (days < 1 || days > 400) throw new UsageError('--days must be an integer in 1..400');
    if (values.direction !== undefined && !['inbound', 'all'].includes(values.direction)) {
      throw new UsageError('--direction must be inbound or all');
    }
  } catch (error) {
    const message = (error as Error).message.split('\n', 1)[0];
    io.stderr.write(`media-archive reconcile: ${message}\n\n${HELP}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return EXIT_OK;
  }
  const local = values.local ?? false;
  const failure: FailureContext = { local };
  let s3: S3Client | undefined;
  let sqs: SQSClient | undefined;
  const interrupt = interruptSignal(io);
  const progress = createProgress(io.stderr);
  try {
    const config = readBackfillConfig({ local }, io.env);
    const { archiver } = config;
    failure.bucket = archiver.archiveBucket;
    failure.endpoint = config.s3.endpoint;
    s3 = createCliS3Client(config.s3);
    let queue: JobQueue;
    if (values['dry-run']) {
      // Counted by reconcile's own sink; nothing leaves the process.
      queue = { enqueue: async () => undefined };
    } else {
      sqs = createCliSqsClient(config.sqs);
      const queueUrl = await resolveQueueUrl(sqs, config.mediaQueue, 'MEDIA_QUEUE_URL');
      queue = createSqsJobQueue({ client: sqs, queueUrl });
    }
    const now = (io.now ?? (() => new Date()))();
    const lookbackDays = values.days === undefined ? config.lookbackDays : Number(values.days);
    const direction = (values.direction ?? 'inbound') as 'inbound' | 'all';
    const verb = values['dry-run'] ? 'to enqueue' : 'enqueued';
    let result: Awaited<ReturnType<typeof reconcile>>;
    try {
      result = await reconcile(
        { catalog: createCatalogFor(archiver), presence: presenceFor(s3, archiver), queue },
        {
          accountSid: archiver.accountSid,
          lookbackDays,
          minAgeMinutes: config.minAgeMinutes,
          direction,
          now,
          signal: interrupt.signal,
          onProgress: (counts, day) => progress.update(`${day}: ${formatCounts(counts, verb)}`),
        },
      );
    } finally {
      progress.done();
    }
    const window = reconcileWindow(now, lookbackDays);
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ complete: result.complete, dryRun: values['dry-run'] ?? false, ...window, direction, counts: result.counts }, null, 2)}\n`,
      );
    } else {
      io.stdout.write(
        `reconcile ${window.since}..${window.until} ${direction}: ${formatCounts(result.counts, verb)}${result.complete ? '' : '; interrupted'}\n`,
      );
    }
    return result.complete ? EXIT_OK : EXIT_INTERRUPTED;
  } catch (error) {
    io.stderr.write(`media-archive reconcile: ${describeOpsFailure(error, failure)}\n`);
    return EXIT_FAILURE;
  } finally {
    interrupt.dispose();
    s3?.destroy();
    sqs?.destroy();
  }
};
