import { accountDirectoryFor, createCatalogFor } from '../../compose/reconcile.ts';
import { readBackfillConfig } from '../../config/cli.ts';
import { withLocalParticipantKey } from '../../config/local-participant-key.ts';
import { localDemoCredentials } from '../../config/local-stack-files.ts';
import type { JobQueue } from '../../ports/pipeline.ts';
import { configForAccount, servedAccounts } from '../../use-cases/backfill/accounts.ts';
import { reconcile, reconcileWindow } from '../../use-cases/reconcile.ts';
import { defineCommand, type RunContext } from '../command.ts';
import { EXIT_INTERRUPTED, EXIT_OK, UsageError } from '../errors.ts';
import { formatCounts } from '../format.ts';
import { accountOption, HELP_OPTION, parseOptions } from '../options.ts';

const OPTIONS = {
  ...HELP_OPTION,
  days: { type: 'string' },
  direction: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
  account: { type: 'string' },
} as const;

const parse = (argv: readonly string[]) => {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.days !== undefined && !/^\d+$/.test(values.days)) {
    throw new UsageError('--days must be an integer in 1..400');
  }
  const days = Number(values.days ?? 1);
  if (days < 1 || days > 400) throw new UsageError('--days must be an integer in 1..400');
  accountOption(values.account);
  if (values.direction !== undefined && !['inbound', 'all'].includes(values.direction)) {
    throw new UsageError('--direction must be inbound or all');
  }
  return values.help ? undefined : values;
};

type ReconcileArgs = NonNullable<ReturnType<typeof parse>>;

const runReconcile = async (values: ReconcileArgs, context: RunContext): Promise<number> => {
  const { progress } = context;
  const signal = context.interrupt();
  const config = readBackfillConfig(
    {
      local: values.local ?? false,
      ...(await localDemoCredentials(values.local ?? false, context.env)),
    },
    await withLocalParticipantKey(values.local ?? false, context.env),
  );
  const archive = context.opsArchive(config);
  const queue: JobQueue = values['dry-run']
    ? // Counted by reconcile's own sink; nothing leaves the process.
      { enqueue: async () => undefined }
    : await context.mediaQueue(config);
  const now = context.now();
  const lookbackDays = values.days === undefined ? config.lookbackDays : Number(values.days);
  const direction = (values.direction ?? 'inbound') as 'inbound' | 'all';
  const verb = values['dry-run'] ? 'to enqueue' : 'enqueued';
  const window = reconcileWindow(now, lookbackDays);
  const accounts = await servedAccounts(
    config.archiver,
    accountDirectoryFor(config.archiver),
    values.account,
  );
  const single = accounts.length === 1 && accounts[0]?.main === true;
  const reports: Record<string, unknown>[] = [];
  let complete = true;
  for (const account of accounts) {
    const archiver = configForAccount(config.archiver, account.sid);
    const label = single ? '' : `${account.sid} `;
    let result: Awaited<ReturnType<typeof reconcile>>;
    try {
      result = await reconcile(
        {
          catalog: createCatalogFor(archiver),
          presence: archive.presenceFor(archiver),
          queue,
          ...(values['dry-run']
            ? {}
            : {
                status: archive.statusSinkFor(archiver),
              }),
        },
        {
          accountSid: archiver.accountSid,
          lookbackDays,
          minAgeMinutes: config.minAgeMinutes,
          direction,
          now,
          signal,
          onProgress: (counts, day) =>
            progress.update(`${label}${day}: ${formatCounts(counts, verb)}`),
        },
      );
    } finally {
      progress.done();
    }
    const report = {
      ...(single ? {} : { accountSid: account.sid, status: account.status }),
      complete: result.complete,
      dryRun: values['dry-run'] ?? false,
      ...window,
      direction,
      counts: result.counts,
    };
    if (values.json) reports.push(report);
    else {
      context.stdout.write(
        `reconcile ${label}${window.since}..${window.until} ${direction}: ${formatCounts(result.counts, verb)}${result.complete ? '' : '; interrupted'}\n`,
      );
    }
    if (!result.complete) {
      complete = false;
      break;
    }
  }
  if (values.json) {
    const body = single ? reports[0] : { accounts: reports };
    context.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  }
  return complete ? EXIT_OK : EXIT_INTERRUPTED;
};

const HELP = `Usage: media-archive reconcile [--local] [--days N] [options]

What the scheduled reconcile function does, on demand: lists the messages of today and the N
days before (UTC) and enqueues the media still at Twilio that the archive lacks (a lost
webhook's). Messages younger than RECONCILE_MIN_AGE_MINUTES (default 15) are left alone: their
webhook jobs may still be queued.

  --days N               days before today to cover (default RECONCILE_LOOKBACK_DAYS, else 2)
  --direction inbound|all  as for backfill (default inbound)
  --dry-run              count only, enqueue nothing
  --account AC…          only this account (default: the main one and every TWILIO_SUBACCOUNTS
                         subaccount, reported one line each)
  --json                 one JSON summary on stdout
  --local                the local stack (see media-archive backfill --help)
  -h, --help             this help
`;

export const command = defineCommand<ReconcileArgs>({
  name: 'reconcile',
  kind: 'operation',
  summary: 'enqueue media of the last days that the archive lacks (missed webhooks)',
  help: HELP,
  options: OPTIONS,
  parse,
  run: runReconcile,
});
