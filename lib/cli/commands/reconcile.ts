import { accountDirectoryFor, createCatalogFor } from '../../compose/reconcile.ts';
import { readBackfillConfig } from '../../config/cli.ts';
import { withLocalParticipantKey } from '../../config/local-participant-key.ts';
import { localDemoCredentials } from '../../config/local-stack-files.ts';
import { isAccountSid } from '../../domain/sids.ts';
import type { JobQueue } from '../../ports/pipeline.ts';
import { configForAccount, servedAccounts } from '../../use-cases/backfill/accounts.ts';
import { reconcile, reconcileWindow } from '../../use-cases/reconcile.ts';
import { type CommandIo, defineCommand, runCommand } from '../command.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import { HELP, SUMMARY } from '../help.ts';
import {
  EXIT_INTERRUPTED,
  formatCounts,
  interruptSignal,
  openArchive,
  openMediaQueue,
  parseFlags,
  runOpsCommand,
} from '../ops-runtime.ts';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  days: { type: 'string' },
  direction: { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
  account: { type: 'string' },
} as const;

const parse = (argv: readonly string[]) => {
  const values = parseFlags(argv, OPTIONS);
  if (values.days !== undefined && !/^\d+$/.test(values.days)) {
    throw new UsageError('--days must be an integer in 1..400');
  }
  const days = Number(values.days ?? 1);
  if (days < 1 || days > 400) throw new UsageError('--days must be an integer in 1..400');
  if (values.account !== undefined && !isAccountSid(values.account)) {
    throw new UsageError('--account must be an AC… SID');
  }
  if (values.direction !== undefined && !['inbound', 'all'].includes(values.direction)) {
    throw new UsageError('--direction must be inbound or all');
  }
  return values.help ? undefined : values;
};

type ReconcileArgs = NonNullable<ReturnType<typeof parse>>;

const runReconcile = async (values: ReconcileArgs, io: CommandIo): Promise<number> => {
  return runOpsCommand('reconcile', io, values.local ?? false, async (run) => {
    const { progress } = run;
    const interrupt = run.own(interruptSignal(io));
    const config = readBackfillConfig(
      {
        local: values.local ?? false,
        ...(await localDemoCredentials(values.local ?? false, io.env)),
      },
      await withLocalParticipantKey(values.local ?? false, io.env ?? process.env),
    );
    const archive = openArchive(run, config);
    const queue: JobQueue = values['dry-run']
      ? // Counted by reconcile's own sink; nothing leaves the process.
        { enqueue: async () => undefined }
      : await openMediaQueue(run, config);
    const now = (io.now ?? (() => new Date()))();
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
            signal: interrupt.signal,
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
        io.stdout.write(
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
      io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    }
    return complete ? EXIT_OK : EXIT_INTERRUPTED;
  });
};

export const command = defineCommand<ReconcileArgs>({
  name: 'reconcile',
  kind: 'operation',
  summary: SUMMARY.reconcile,
  help: HELP.reconcile,
  options: OPTIONS,
  parse,
  run: runReconcile,
});

export const run = (argv: readonly string[], io: CommandIo): Promise<number> =>
  runCommand(command, argv, io);
