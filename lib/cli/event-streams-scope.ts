import { createConnectDeps } from '../compose/connect.ts';
import { createDoctorDeps } from '../compose/doctor.ts';
import { readDoctorConfig } from '../config/doctor.ts';
import { readStackFile } from '../config/local-stack-files.ts';
import { SERVICE_NAME } from '../domain/service.ts';
import { isAccountSid } from '../domain/sids.ts';
import type { TwilioCredentials } from '../domain/twilio-credentials.ts';
import type { EventSinkTarget, EventStreamsClientFactory } from '../ports/event-streams.ts';
import type { AccountDirectory } from '../ports/pipeline.ts';
import type { ConnectAccount } from '../use-cases/connect-event-streams.ts';
import { resolveDeployedTarget } from '../use-cases/connect-target.ts';
import type { RunContext } from './command.ts';
import { UsageError } from './errors.ts';

/**
 * What `connect` creates and `disconnect` removes, resolved the same way for both: the sink
 * target of a deployed stack (outputs, the events function, SSM) or of the running local stack,
 * the accounts acted on (`--account`, else the main account and every active subaccount served)
 * with each one's own credential, and the Events API client per account.
 */
export interface EventStreamsScope {
  description: string;
  target: EventSinkTarget;
  accounts: ConnectAccount[];
  events: EventStreamsClientFactory;
  /** A deployed stack's events function and region (its log holds a sink test's test_id). */
  deployed?: { eventsFunctionName: string; region?: string };
}

export interface EventStreamsScopeArgs {
  stackName?: string;
  region?: string;
  sink?: 'webhook' | 'kinesis';
  accounts?: readonly string[];
}

/**
 * `--account` names them (the main account or its subaccounts); default: the main account. A
 * subaccount is reached with its own auth token, read with the main credential.
 */
const accountsOf = async (
  requested: readonly string[] | undefined,
  mainSid: string,
  main: TwilioCredentials,
  directory: (accountSid: string, credentials: TwilioCredentials) => AccountDirectory,
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

export const resolveDeployedScope = async (
  args: EventStreamsScopeArgs & { stackName: string },
  io: RunContext,
): Promise<EventStreamsScope> => {
  const config = readDoctorConfig(io.env, args.region ? { region: args.region } : {});
  const deps = io.own(await createDoctorDeps(config));
  const stack = await deps.ports.stack.read(args.stackName);
  if (!stack)
    throw new Error(`no stack ${args.stackName} in this region (check --stage and --region)`);
  const resolved = await resolveDeployedTarget(stack, deps.ports.parameters, args.sink);
  const connectDeps = createConnectDeps({
    apiBaseUrl: config.twilioApiBaseUrl,
    eventsBaseUrl: config.twilioEventsBaseUrl,
  });
  let requested = args.accounts;
  if (!requested && resolved.scope.kind !== 'none') {
    // Every served subaccount that is active: a closed one is deleted by Twilio in 30 days.
    const listed = await connectDeps
      .directory(resolved.mainAccountSid, resolved.mainCredentials)
      .listSubaccounts();
    const scope = resolved.scope;
    requested = [
      resolved.mainAccountSid,
      ...listed
        .filter(
          (a) =>
            a.status === 'active' &&
            (scope.kind === 'all' || (scope.kind === 'list' && scope.sids.includes(a.sid))),
        )
        .map((a) => a.sid),
    ];
  }
  return {
    description: `media-archive ${args.stackName}`,
    target: resolved.target,
    accounts: await accountsOf(
      requested,
      resolved.mainAccountSid,
      resolved.mainCredentials,
      connectDeps.directory,
    ),
    events: connectDeps.events,
    deployed: {
      eventsFunctionName: resolved.eventsFunctionName,
      ...(config.region ? { region: config.region } : {}),
    },
  };
};

/**
 * The running local stack (npm start, demo mode) and its emulator's Events API; a stack
 * lacking what is needed throws with the whole line to print.
 */
export const resolveLocalScope = async (
  args: EventStreamsScopeArgs,
  io: RunContext,
): Promise<EventStreamsScope> => {
  const dataDir = io.env.LOCAL_DATA_DIR?.trim() || '.local';
  const stack = await readStackFile(dataDir);
  if (!stack)
    throw new Error(`no running local stack found in ${dataDir}/ (start one with npm start)`);
  if (!stack.emulator?.eventsBaseUrl) {
    throw new Error(
      'the running stack has no Twilio emulator with Event Streams (npm start in demo mode)',
    );
  }
  if (!stack.eventsUrl || !stack.eventSink) {
    throw new Error(
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
  return {
    description: 'media-archive local',
    target: { kind: 'webhook', destination: destination.toString() },
    accounts: await accountsOf(args.accounts, stack.accountSid, main, deps.directory),
    events: deps.events,
  };
};

/** The options `connect` and `disconnect` share: which stack (or the local one), sink and accounts. */
export const SCOPE_OPTIONS = {
  local: { type: 'boolean' },
  stage: { type: 'string' },
  region: { type: 'string' },
  stack: { type: 'string' },
  sink: { type: 'string' },
  account: { type: 'string' },
} as const;

export interface ScopeOptionValues {
  local?: boolean | undefined;
  stage?: string | undefined;
  region?: string | undefined;
  stack?: string | undefined;
  sink?: string | undefined;
  account?: string | undefined;
}

/** `SCOPE_OPTIONS` checked once for both commands: one target, a sane stage, known sink, AC SIDs. */
export const parseScopeOptions = (values: ScopeOptionValues) => {
  if ((values.local ?? false) === (values.stage !== undefined)) {
    throw new UsageError('one of --stage STAGE (a deployed stack) or --local');
  }
  if (values.stage !== undefined && !/^[A-Za-z0-9-]+$/.test(values.stage)) {
    throw new UsageError(`--stage must be letters, digits and dashes, got "${values.stage}"`);
  }
  if (values.sink !== undefined && values.sink !== 'webhook' && values.sink !== 'kinesis') {
    throw new UsageError('--sink must be webhook or kinesis');
  }
  const accounts = values.account?.split(',').map((sid) => sid.trim());
  for (const sid of accounts ?? []) {
    if (!isAccountSid(sid)) throw new UsageError(`--account must be AC SIDs, got "${sid}"`);
  }
  return {
    ...(values.stage !== undefined
      ? { stage: values.stage, stackName: values.stack ?? `${SERVICE_NAME}-${values.stage}` }
      : {}),
    ...(values.region ? { region: values.region } : {}),
    ...(values.sink ? { sink: values.sink as 'webhook' | 'kinesis' } : {}),
    ...(accounts ? { accounts } : {}),
  };
};
