import { createLogTestIdReader } from '../../compose/connect.ts';
import { SERVICE_NAME } from '../../domain/service.ts';
import {
  type AccountConnection,
  type ConnectPlan,
  connectEventStreams,
} from '../../use-cases/connect-event-streams.ts';
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
  'test-id': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const parse = (argv: readonly string[]) => {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) return undefined;
  const scope = parseScopeOptions(values);
  const testId = values['test-id'];
  if (testId !== undefined && !/^[\w-]{1,64}$/.test(testId)) {
    throw new UsageError('--test-id must be the test_id of the sink test event');
  }
  return {
    ...scope,
    dryRun: values['dry-run'] ?? false,
    json: values.json ?? false,
    ...(testId ? { testId } : {}),
  };
};

type ConnectArgs = NonNullable<ReturnType<typeof parse>>;

const summaryLine = (c: AccountConnection): string =>
  c.problem
    ? `${c.accountSid}: NOT CONNECTED: ${c.problem}`
    : `${c.accountSid}: ${c.sinkSid ? `sink ${c.sinkSid} ${c.sinkStatus}` : 'sink to create'}, ${c.subscriptionSid ? `subscription ${c.subscriptionSid}` : 'subscription to create'}${c.created.length ? ` (created: ${c.created.join(', ')})` : ' (nothing created)'}`;

const report = async (
  args: ConnectArgs,
  io: RunContext,
  deps: Parameters<typeof connectEventStreams>[0],
  plan: ConnectPlan,
): Promise<number> => {
  const say = (line: string) => {
    if (!args.json) io.stdout.write(`${line}\n`);
  };
  const results = await connectEventStreams(deps, plan, say);
  if (args.json) {
    io.stdout.write(`${JSON.stringify({ dryRun: args.dryRun, accounts: results }, null, 2)}\n`);
  } else {
    for (const result of results) io.stdout.write(`${summaryLine(result)}\n`);
  }
  return results.some((r) => r.problem) ? EXIT_FAILURE : EXIT_OK;
};

const logsEndpoint = (env: Record<string, string | undefined>): string | undefined =>
  env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS?.trim() || env.AWS_ENDPOINT_URL?.trim() || undefined;

const planOf = (args: ConnectArgs, scope: EventStreamsScope): ConnectPlan => ({
  description: scope.description,
  target: scope.target,
  accounts: scope.accounts,
  dryRun: args.dryRun,
  ...(args.testId ? { testId: args.testId } : {}),
});

/** A deployed stack: its outputs, the events function's settings and SSM say what to create. */
const runDeployed = async (
  args: ConnectArgs & { stackName: string },
  io: RunContext,
): Promise<number> => {
  const scope = await resolveDeployedScope(args, io);
  // Only a Kinesis sink needs validating (Twilio makes webhook sinks active at once).
  const logs =
    scope.target.kind === 'kinesis' && scope.deployed
      ? io.own(
          createLogTestIdReader({
            ...(scope.deployed.region ? { region: scope.deployed.region } : {}),
            ...(logsEndpoint(io.env) ? { endpoint: logsEndpoint(io.env) as string } : {}),
            functionName: scope.deployed.eventsFunctionName,
          }),
        )
      : undefined;
  return report(
    args,
    io,
    { events: scope.events, ...(logs ? { testIds: logs.reader } : {}) },
    planOf(args, scope),
  );
};

const runConnect = async (args: ConnectArgs, io: RunContext): Promise<number> => {
  if (args.stackName !== undefined) return runDeployed({ ...args, stackName: args.stackName }, io);
  try {
    const scope = await resolveLocalScope(args, io);
    return await report(args, io, { events: scope.events }, planOf(args, scope));
  } catch (error) {
    io.stderr.write(`media-archive connect: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
};

const HELP = `Usage: media-archive connect (--stage STAGE [--region R] [--stack NAME] [--sink webhook|kinesis] | --local)
                             [--account AC...[,AC...]] [--dry-run] [--test-id ID] [--json]

Connects Twilio Event Streams to this deployment's intake, so messages are archived without
touching the numbers' webhooks (they stay your app's). Per account it makes a Sink and a
Subscription to com.twilio.messaging.inbound-message.received and
com.twilio.messaging.message.{delivered,undelivered,failed,read}, each only when missing: a
second run creates nothing.
  webhook sink   the stack's EventsUrl output with the sink's Basic credentials (the events
                 function's EVENT_SINK_USERNAME and the password in SSM) in the URL's userinfo;
                 Twilio makes webhook sinks active at once
  kinesis sink   EventStreamArn, EventStreamRoleArn and the external id (SSM parameter named by
                 EventStreamExternalIdParameter); Twilio makes it "initialized": connect sends a
                 test event and validates the sink with its test_id, read from the events
                 function's CloudWatch log ("sink test event received", up to 90 s); failing
                 that, pass the testId from the log with --test-id
A subaccount's sink is made with the subaccount's own auth token, read with the main account's.
Prints each step; exit 0 when every account is connected.

  --stage STAGE          the stage deployed (osls --stage)
  --region REGION        its region (default AWS_REGION)
  --stack NAME           another stack name (default ${SERVICE_NAME}-STAGE)
  --sink webhook|kinesis which sink, when the stack deploys both
  --local                the running local stack (npm start, demo mode) and its emulator
  --account AC...        the accounts, comma-separated (default: the main account and, with
                         TWILIO_SUBACCOUNTS, every active subaccount it serves)
  --dry-run              read only: print the calls that would be made (secrets masked)
  --test-id ID           validate a sink waiting for validation with this test_id
  --json                 the outcome per account as JSON
  -h, --help             this help

Environment: as for doctor (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS too); TWILIO_EVENTS_BASE_URL
(default https://events.twilio.com).
`;

export const command = defineCommand<ConnectArgs>({
  name: 'connect',
  kind: 'operation',
  summary: 'create the Event Streams sink and subscription for this intake at Twilio',
  help: HELP,
  options: OPTIONS,
  parse,
  run: runConnect,
});
