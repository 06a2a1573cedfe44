import { SERVICE_NAME } from '../../domain/service.ts';
import {
  type AccountDisconnection,
  describeSink,
  disconnectEventStreams,
  type RemovedResource,
} from '../../use-cases/disconnect-event-streams.ts';
import { defineCommand, type RunContext } from '../command.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import {
  type EventStreamsScope,
  parseScopeOptions,
  resolveDeployedScope,
  resolveLocalScope,
  SCOPE_OPTIONS,
} from '../event-streams-scope.ts';
import { HELP_OPTION, parseOptions } from '../options.ts';

const OPTIONS = {
  ...HELP_OPTION,
  ...SCOPE_OPTIONS,
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

const parse = (argv: readonly string[]) => {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) return undefined;
  const scope = parseScopeOptions(values);
  if (!values['dry-run'] && !values.yes) {
    throw new UsageError('disconnect deletes at Twilio: add --yes (or --dry-run)');
  }
  return {
    ...scope,
    local: values.local ?? false,
    dryRun: values['dry-run'] ?? false,
    json: values.json ?? false,
  };
};

type DisconnectArgs = NonNullable<ReturnType<typeof parse>>;

const resourceLine = (r: RemovedResource): string =>
  `${r.outcome === 'gone' ? 'already gone' : r.outcome}\t${r.sid}\t${r.kind}\t${r.accountSid}`;

const summaryOf = (results: readonly AccountDisconnection[], dryRun: boolean): string => {
  const count = (kind: RemovedResource['kind']) =>
    results.flatMap((a) => a.removed).filter((r) => r.kind === kind).length;
  const verb = dryRun ? 'would be deleted' : 'deleted';
  return `${results.length} account(s): ${count('subscription')} subscription(s) and ${count('sink')} sink(s) ${verb}${dryRun ? ' (dry run: nothing deleted)' : ''}`;
};

const report = async (
  args: DisconnectArgs,
  io: RunContext,
  scope: EventStreamsScope,
): Promise<number> => {
  if (!args.json) io.stdout.write(`this deployment's sink: ${describeSink(scope.target)}\n`);
  const results = await disconnectEventStreams(
    { events: scope.events },
    { target: scope.target, accounts: scope.accounts, dryRun: args.dryRun },
    (resource) => {
      if (!args.json) io.stdout.write(`${resourceLine(resource)}\n`);
    },
  );
  io.stdout.write(
    args.json
      ? `${JSON.stringify({ dryRun: args.dryRun, accounts: results }, null, 2)}\n`
      : `${summaryOf(results, args.dryRun)}\n`,
  );
  return EXIT_OK;
};

const runDisconnect = async (args: DisconnectArgs, io: RunContext): Promise<number> => {
  if (args.stackName !== undefined) {
    return report(args, io, await resolveDeployedScope({ ...args, stackName: args.stackName }, io));
  }
  try {
    return await report(args, io, await resolveLocalScope(args, io));
  } catch (error) {
    io.stderr.write(`media-archive disconnect: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
};

const HELP = `Usage: media-archive disconnect (--stage STAGE [--region R] [--stack NAME] [--sink webhook|kinesis] | --local)
                                (--yes | --dry-run) [--account AC...[,AC...]] [--json]

Undoes \`connect\`: per account, deletes the Event Streams subscriptions feeding this
deployment's sink, then the sink (Twilio refuses to delete a sink still in use). A sink is this
deployment's when it points exactly where \`connect\` points one (the same webhook URL with the
same Basic credentials, or the same Kinesis stream, role and external id): another app's sinks
and subscriptions on the account are never touched. Run it before removing the stack or
redeploying with intake=webhook: it reads the sink's target from the stack as it is.
Prints one line per resource (outcome, SID, kind, account; "already gone" when Twilio no longer
had it), then a summary; secrets are masked. Exit 0 also when there was nothing to delete.

  --stage STAGE          the stage deployed (osls --stage)
  --region REGION        its region (default AWS_REGION)
  --stack NAME           another stack name (default ${SERVICE_NAME}-STAGE)
  --sink webhook|kinesis which sink, when the stack deploys both
  --local                the running local stack (npm start, demo mode) and its emulator
  --account AC...        the accounts, comma-separated (default: as for connect, the main
                         account and, with TWILIO_SUBACCOUNTS, every active subaccount served)
  --dry-run              read only: list what would be deleted
  --yes                  required to delete
  --json                 the outcome per account as JSON
  -h, --help             this help

Environment: as for connect.
`;

export const command = defineCommand<DisconnectArgs>({
  name: 'disconnect',
  kind: 'operation',
  summary: "delete this deployment's Event Streams sink and subscriptions at Twilio",
  help: HELP,
  options: OPTIONS,
  parse,
  run: runDisconnect,
});
