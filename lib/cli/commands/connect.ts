import { createConnectDeps } from '../../compose/connect.ts';
import type { TwilioCredentials } from '../../config/lambda.ts';
import { isAccountSid } from '../../domain/sids.ts';
import { readStackFile } from '../../stand-ins/stack-file.ts';
import {
  type AccountConnection,
  type ConnectAccount,
  connectEventStreams,
} from '../../use-cases/connect-event-streams.ts';
import { type CommandIo, defineCommand, parseOptions, runCommand } from '../command.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import { HELP, SUMMARY } from '../help.ts';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  local: { type: 'boolean' },
  account: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'test-id': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const parse = (argv: readonly string[]) => {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) return undefined;
  if (!values.local) {
    throw new UsageError(
      'connect works on the local stack (--local); for a deployed stack see the README, "Keep your app\'s webhook"',
    );
  }
  const accounts = values.account?.split(',').map((sid) => sid.trim());
  for (const sid of accounts ?? []) {
    if (!isAccountSid(sid)) throw new UsageError(`--account must be AC SIDs, got "${sid}"`);
  }
  const testId = values['test-id'];
  if (testId !== undefined && !/^[\w-]{1,64}$/.test(testId)) {
    throw new UsageError('--test-id must be the test_id of the sink test event');
  }
  return {
    ...(accounts ? { accounts } : {}),
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

const runConnect = async (args: ConnectArgs, io: CommandIo): Promise<number> => {
  const env = io.env ?? process.env;
  const fail = (line: string) => {
    io.stderr.write(`media-archive connect: ${line}\n`);
    return EXIT_FAILURE;
  };
  const dataDir = env.LOCAL_DATA_DIR?.trim() || '.local';
  const stack = await readStackFile(dataDir);
  if (!stack) return fail(`no running local stack found in ${dataDir}/ (start one with npm start)`);
  if (!stack.emulator?.eventsBaseUrl) {
    return fail(
      'the running stack has no Twilio emulator with Event Streams (npm start in demo mode)',
    );
  }
  if (!stack.eventsUrl || !stack.eventSink) {
    return fail(
      'the running stack has no Event Streams sink (/twilio/events): restart it with npm start',
    );
  }
  const main: TwilioCredentials = {
    username: stack.accountSid,
    password: stack.emulator.authToken,
  };
  const deps = createConnectDeps({
    apiBaseUrl: stack.emulator.apiBaseUrl,
    eventsBaseUrl: stack.emulator.eventsBaseUrl,
  });
  const destination = new URL(stack.eventsUrl);
  destination.username = encodeURIComponent(stack.eventSink.username);
  destination.password = encodeURIComponent(stack.eventSink.password);

  let accounts: ConnectAccount[];
  try {
    accounts = await accountsToConnect(args.accounts, stack.accountSid, main, deps.directory);
  } catch (error) {
    return fail((error as Error).message);
  }
  const say = (line: string) => {
    if (!args.json) io.stdout.write(`${line}\n`);
  };
  let results: AccountConnection[];
  try {
    results = await connectEventStreams(
      { events: deps.events },
      {
        description: `media-archive ${stack.archivePrefix || 'local'}`.trim(),
        target: { kind: 'webhook', destination: destination.toString() },
        accounts,
        dryRun: args.dryRun,
        ...(args.testId ? { testId: args.testId } : {}),
      },
      say,
    );
  } catch (error) {
    return fail((error as Error).message);
  }
  if (args.json) {
    io.stdout.write(`${JSON.stringify({ dryRun: args.dryRun, accounts: results }, null, 2)}\n`);
  } else {
    for (const result of results) io.stdout.write(`${summaryLine(result)}\n`);
  }
  return results.some((r) => r.problem) ? EXIT_FAILURE : EXIT_OK;
};

/**
 * `--account` names them (the main account or its subaccounts); default: the main account. A
 * subaccount is connected with its own auth token, read with the main credential.
 */
const accountsToConnect = async (
  requested: readonly string[] | undefined,
  mainSid: string,
  main: TwilioCredentials,
  directory: ReturnType<typeof createConnectDeps>['directory'],
): Promise<ConnectAccount[]> => {
  const sids = requested ?? [mainSid];
  const accounts: ConnectAccount[] = [];
  for (const sid of sids) {
    if (sid === mainSid) {
      accounts.push({ sid, credentials: main });
      continue;
    }
    const sub = await directory(mainSid, main).getSubaccount(sid);
    if (!sub) throw new Error(`${sid} is not a subaccount of ${mainSid}`);
    accounts.push({ sid, credentials: { username: sid, password: sub.authToken } });
  }
  return accounts;
};

export const command = defineCommand<ConnectArgs>({
  name: 'connect',
  kind: 'operation',
  summary: SUMMARY.connect,
  help: HELP.connect,
  options: OPTIONS,
  parse,
  run: runConnect,
});

export const run = (argv: readonly string[], io: CommandIo): Promise<number> =>
  runCommand(command, argv, io);
