import {
  EXIT_INTERRUPTED,
  formatCounts,
  interruptSignal,
  openArchiveS3,
  openMediaQueue,
  parseCommandArgs,
  parseFlags,
  presenceFor,
  runOpsCommand,
} from '../../backfill/cli-runtime.ts';
import { createCatalogFor } from '../../backfill/deps.ts';
import { reconcile, reconcileWindow } from '../../backfill/reconcile.ts';
import { readBackfillConfig } from '../../config.ts';
import { localDemoCredentials } from '../../local/demo-credentials.ts';
import type { JobQueue } from '../../ports.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import type { CliIo } from '../main.ts';

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
  const values = parseCommandArgs('reconcile', HELP, io, () => {
    const values = parseFlags(argv, OPTIONS);
    if (values.days !== undefined && !/^\d+$/.test(values.days)) {
      throw new UsageError('--days must be an integer in 1..400');
    }
    const days = Number(values.days ?? 1);
    if (days < 1 || days > 400) throw new UsageError('--days must be an integer in 1..400');
    if (values.direction !== undefined && !['inbound', 'all'].includes(values.direction)) {
      throw new UsageError('--direction must be inbound or all');
    }
    return values.help ? undefined : values;
  });
  if (typeof values === 'number') return values;
  return runOpsCommand('reconcile', io, values.local ?? false, async (run) => {
    const { progress } = run;
    const interrupt = run.own(interruptSignal(io));
    const config = readBackfillConfig(
      {
        local: values.local ?? false,
        ...(await localDemoCredentials(values.local ?? false, io.env)),
      },
      io.env,
    );
    const { archiver } = config;
    const s3 = openArchiveS3(run, config);
    const queue: JobQueue = values['dry-run']
      ? // Counted by reconcile's own sink; nothing leaves the process.
        { enqueue: async () => undefined }
      : await openMediaQueue(run, config);
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
  });
};
