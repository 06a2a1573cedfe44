import { mediaSizer } from '../../compose/cli.ts';
import { accountDirectoryFor, createCatalogFor } from '../../compose/reconcile.ts';
import { readBackfillConfig } from '../../config/cli.ts';
import {
  DEFAULT_LOCAL_DATA_DIR,
  DEFAULT_LOCAL_S3_PORT,
  DEFAULT_LOCAL_SQS_PORT,
  DEFAULT_LOCAL_TWILIO_PORT,
} from '../../config/local-constants.ts';
import { withLocalParticipantKey } from '../../config/local-participant-key.ts';
import { localDemoCredentials } from '../../config/local-stack-files.ts';
import { archiveKeyFor } from '../../domain/archive-key.ts';
import type { MediaJob } from '../../domain/media-job.ts';
import { dayOf } from '../../domain/utc-day.ts';
import {
  configForAccount,
  type ServedAccount,
  servedAccounts,
} from '../../use-cases/backfill/accounts.ts';
import {
  type BackfillDeps,
  type BackfillResult,
  backfill,
} from '../../use-cases/backfill/backfill.ts';
import { checkpointPath, createFileCheckpointStore } from '../../use-cases/backfill/checkpoint.ts';
import type { Direction } from '../../use-cases/backfill/find-archivable-media.ts';
import {
  createDirectSink,
  createDryRunSink,
  createQueueSink,
  type JobSink,
} from '../../use-cases/backfill/job-sinks.ts';
import { defineCommand, type RunContext } from '../command.ts';
import { MAX_RANGE_DAYS, parseDay } from '../days.ts';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, UsageError } from '../errors.ts';
import { describeFailure } from '../failure.ts';
import { formatCounts } from '../format.ts';
import { accountOption, HELP_OPTION, parseOptions } from '../options.ts';

const OPTIONS = {
  ...HELP_OPTION,
  since: { type: 'string' },
  until: { type: 'string' },
  direction: { type: 'string' },
  'dry-run': { type: 'boolean' },
  sizes: { type: 'boolean' },
  direct: { type: 'boolean' },
  resume: { type: 'boolean' },
  'page-size': { type: 'string' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
  account: { type: 'string' },
} as const;

export interface BackfillArgs {
  since: string;
  until: string;
  direction: Direction;
  dryRun: boolean;
  sizes: boolean;
  direct: boolean;
  resume: boolean;
  pageSize: number;
  json: boolean;
  local: boolean;
  account?: string;
}

/** `undefined` = help was asked for. Throws `UsageError`. */
export const parseBackfillArgs = (
  argv: readonly string[],
  today: string,
): BackfillArgs | undefined => {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) return undefined;
  if (values.since === undefined) throw new UsageError('--since is required');
  const since = parseDay(values.since, '--since');
  const until = values.until === undefined ? today : parseDay(values.until, '--until');
  if (until < since) throw new UsageError('--until is before --since');
  if ((Date.parse(until) - Date.parse(since)) / 86_400_000 >= MAX_RANGE_DAYS) {
    throw new UsageError(`a range may span at most ${MAX_RANGE_DAYS} days`);
  }
  const direction = values.direction ?? 'inbound';
  if (direction !== 'inbound' && direction !== 'all') {
    throw new UsageError('--direction must be inbound or all');
  }
  const pageSize = values['page-size'] === undefined ? 1000 : Number(values['page-size']);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new UsageError('--page-size must be an integer in 1..1000');
  }
  const dryRun = values['dry-run'] ?? false;
  if (dryRun && (values.direct || values.resume)) {
    throw new UsageError('--dry-run combines with neither --direct nor --resume');
  }
  if (values.sizes && !dryRun) throw new UsageError('--sizes needs --dry-run');
  accountOption(values.account);
  return {
    ...(values.account === undefined ? {} : { account: values.account }),
    since,
    until,
    direction,
    dryRun,
    sizes: values.sizes ?? false,
    direct: values.direct ?? false,
    resume: values.resume ?? false,
    pageSize,
    json: values.json ?? false,
    local: values.local ?? false,
  };
};

const jobLine = (job: MediaJob, prefix: string) =>
  [job.messageSid, job.mediaSid, job.contentType, job.receivedAt, archiveKeyFor(prefix, job)].join(
    '\t',
  );

const runBackfill = async (args: BackfillArgs, context: RunContext): Promise<number> => {
  const { failure, progress } = context;
  const signal = context.interrupt();
  const config = readBackfillConfig(
    { local: args.local, ...(await localDemoCredentials(args.local, context.env)) },
    // --local: the stack's own participant key, so backfilled records name participants too.
    await withLocalParticipantKey(args.local, context.env),
  );
  const archive = context.opsArchive(config);
  const accounts = await servedAccounts(
    config.archiver,
    accountDirectoryFor(config.archiver),
    args.account,
  );
  const single = accounts.length === 1 && accounts[0]?.main === true;
  for (const account of accounts) {
    if (account.status === 'closed' || account.status === 'suspended') {
      const deadline = account.deletionDeadline
        ? `: Twilio deletes it, media included, around ${account.deletionDeadline}`
        : '';
      context.stderr.write(`warning: subaccount ${account.sid} is ${account.status}${deadline}\n`);
    }
  }
  const backfillAccount = async (
    account: ServedAccount,
    archiver: typeof config.archiver,
    mediaQueue: Awaited<ReturnType<RunContext['mediaQueue']>> | undefined,
  ) => {
    const label = single ? '' : `${account.sid} `;
    const jobs: MediaJob[] = [];
    let sink: JobSink;
    if (args.dryRun) {
      sink = createDryRunSink((job) => {
        if (args.json) jobs.push(job);
        else {
          progress.done();
          context.stdout.write(`${label}${jobLine(job, archiver.archivePrefix)}\n`);
        }
      });
    } else if (args.direct) {
      sink = createDirectSink({
        archive: archive.archiverFor(archiver),
        concurrency: archiver.concurrency,
        onFailure: (job, error) => {
          progress.done();
          context.stderr.write(
            `failed ${job.messageSid}/${job.mediaSid}: ${describeFailure(error, failure).message}\n`,
          );
        },
      });
    } else {
      sink = createQueueSink(mediaQueue as NonNullable<typeof mediaQueue>);
    }
    const path = checkpointPath(context.cwd, {
      accountSid: archiver.accountSid,
      ...args,
    });
    const deps: BackfillDeps = {
      catalog: createCatalogFor(archiver),
      presence: archive.presenceFor(archiver),
      sink,
      ...(args.dryRun ? {} : { checkpoints: createFileCheckpointStore(path) }),
      ...(args.sizes ? { sizeOf: mediaSizer(archiver) } : {}),
    };
    const verb = args.dryRun ? 'to enqueue' : args.direct ? 'archived' : 'enqueued';
    let result: BackfillResult;
    try {
      result = await backfill(deps, {
        accountSid: archiver.accountSid,
        since: args.since,
        until: args.until,
        direction: args.direction,
        source: 'backfill',
        pageSize: args.pageSize,
        resume: args.resume,
        signal,
        onProgress: (counts, day) =>
          progress.update(`${label}${day}: ${formatCounts(counts, verb)}`),
      });
    } finally {
      progress.done();
    }
    const { counts, complete } = result;
    const summary = {
      ...(single ? {} : { accountSid: account.sid, status: account.status }),
      ...(account.deletionDeadline ? { deletionDeadline: account.deletionDeadline } : {}),
      complete,
      dryRun: args.dryRun,
      direct: args.direct,
      since: args.since,
      until: args.until,
      direction: args.direction,
      ...(result.resumedFrom ? { resumedFrom: result.resumedFrom } : {}),
      ...(complete || args.dryRun ? {} : { checkpoint: path }),
      counts,
      ...(args.dryRun ? { jobs } : {}),
    };
    if (args.json) {
      if (single) context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else summaries.push(summary);
    } else {
      const sizes = args.dryRun && counts.bytes === null ? ' (total bytes: use --sizes)' : '';
      const stopped = complete ? '' : `; interrupted, continue with --resume (${path})`;
      context.stdout.write(
        `backfill ${label}${args.since}..${args.until} ${args.direction}: ${formatCounts(counts, verb)}${sizes}${stopped}\n`,
      );
    }
    return { result };
  };
  const queue = args.dryRun || args.direct ? undefined : await context.mediaQueue(config);
  const summaries: Record<string, unknown>[] = [];
  let failed = 0;
  let interrupted = false;
  for (const account of accounts) {
    const archiver = configForAccount(config.archiver, account.sid);
    const outcome = await backfillAccount(account, archiver, queue);
    failed += outcome.result.counts.failed;
    if (!outcome.result.complete) {
      interrupted = true;
      break;
    }
  }
  if (args.json && !single) {
    context.stdout.write(`${JSON.stringify({ accounts: summaries }, null, 2)}\n`);
  }
  if (interrupted) return EXIT_INTERRUPTED;
  return failed > 0 ? EXIT_FAILURE : EXIT_OK;
};

const HELP = `Usage: media-archive backfill --since YYYY-MM-DD [options]

Archive the media already at Twilio: lists the account's messages day by day (oldest first),
each message's media, checks the archive (one S3 listing per day) and enqueues one job per
missing media for the archiver, 10 per SQS batch.

  --since YYYY-MM-DD     first UTC day (inclusive; messages are listed by date sent)
  --until YYYY-MM-DD     last UTC day (inclusive; default today)
  --direction inbound|all  inbound (default) or all; outbound media of messages not yet final
                         (queued, sending, accepted, scheduled) is never enqueued
  --dry-run              print what would be enqueued, change nothing
  --sizes                with --dry-run: total bytes (one media GET per missing media)
  --direct               archive in this process (ARCHIVER_CONCURRENCY at once), no queue
  --resume               continue from the checkpoint of the same --since/--until/--direction
                         (.media-archive/ in the current directory, written after every page)
  --page-size N          messages per list page (1..1000, default 1000)
  --account AC…          only this account (the main one or a TWILIO_SUBACCOUNTS subaccount);
                         default every served account, closed/suspended subaccounts first
  --json                 one JSON summary on stdout
  --local                the local stack: S3 \${LOCAL_S3_PORT:-${DEFAULT_LOCAL_S3_PORT}}, SQS \${LOCAL_SQS_PORT:-${DEFAULT_LOCAL_SQS_PORT}},
                         Twilio emulator \${LOCAL_TWILIO_PORT:-${DEFAULT_LOCAL_TWILIO_PORT}} with its demo account from
                         \${LOCAL_DATA_DIR:-${DEFAULT_LOCAL_DATA_DIR}}/twilio-emulator.json: no Twilio variables needed
                         (with your own TWILIO_AUTH_TOKEN or API key set: real Twilio instead)
  -h, --help             this help

Environment (AWS): TWILIO_ACCOUNT_SID, TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET or
TWILIO_AUTH_TOKEN, ARCHIVE_BUCKET, ARCHIVE_PREFIX, MEDIA_QUEUE_URL (not needed with --direct or
--dry-run).
Ctrl-C stops after the current page; --resume continues. Exit: 0 done, 1 error or failed media,
64 usage, 130 interrupted.
`;

export const command = defineCommand<BackfillArgs>({
  name: 'backfill',
  kind: 'operation',
  summary: 'enqueue (or --direct archive) media already at Twilio: --since DATE [--until DATE]',
  help: HELP,
  options: OPTIONS,
  parse: (argv, io) => parseBackfillArgs(argv, dayOf((io.now ?? (() => new Date()))())),
  run: runBackfill,
});
