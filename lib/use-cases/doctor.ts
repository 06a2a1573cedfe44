import {
  type AccountScope,
  formatAccountScope,
  parseAccountScope,
} from '../domain/account-scope.ts';
import { countOf } from '../domain/count.ts';
import { loggableUrl } from '../domain/loggable-url.ts';
import { MIN_PARTICIPANT_KEY_CHARS } from '../domain/participant.ts';
import type { TwilioCredentials } from '../domain/twilio-credentials.ts';
import type {
  AlarmState,
  DeployedFunction,
  DeployedStack,
  DoctorPorts,
  MessagingServiceConfig,
  PhoneNumberConfig,
  StoredParameter,
} from '../ports/doctor.ts';
import {
  type EventAccountVerdict,
  eventAccountLine,
  intakeOfOutputs,
  judgeEventAccount,
} from './doctor-event-streams.ts';

/** `media-archive doctor`: one verdict per part of a deployed stack, each independent of the rest. */

export const CHECK_IDS = [
  'stack',
  'ssm-parameters',
  'twilio-credentials',
  'twilio-webhook',
  'event-streams',
  'dead-letter-queue',
  'alarms',
  'reconcile',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** `skip` only follows a failed check it depends on, so a skip never hides a green run. */
export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  summary: string;
  details?: Record<string, unknown>;
}

export interface DoctorReport {
  stackName: string;
  ok: boolean;
  checks: CheckResult[];
}

export interface DoctorOptions {
  stackName: string;
  /** A reconcile run older than this fails the check (the default schedule is daily). */
  reconcileMaxAgeHours: number;
  now?: () => Date;
}

/** Logical ids serverless.yml gives its functions. */
const WEBHOOK = 'WebhookLambdaFunction';
const RECONCILE = 'ReconcileLambdaFunction';
const ARCHIVER = 'ArchiverLambdaFunction';
const GOOD_STACK = /^(CREATE|UPDATE|IMPORT)_COMPLETE$|^UPDATE_COMPLETE_CLEANUP_IN_PROGRESS$/;
/** A long list stays one readable line; --json carries all of it. */
const NAMED_AT_MOST = 5;

const ok = (id: CheckId, summary: string, details?: Record<string, unknown>): CheckResult => ({
  id,
  status: 'ok',
  summary,
  ...(details ? { details } : {}),
});
const fail = (id: CheckId, summary: string, details?: Record<string, unknown>): CheckResult => ({
  id,
  status: 'fail',
  summary,
  ...(details ? { details } : {}),
});
const skip = (id: CheckId, because: string): CheckResult => ({
  id,
  status: 'skip',
  summary: `not checked: ${because}`,
});

const some = (names: readonly string[]): string =>
  names.length <= NAMED_AT_MOST
    ? names.join(', ')
    : `${names.slice(0, NAMED_AT_MOST).join(', ')} and ${names.length - NAMED_AT_MOST} more`;

/** One line of what went wrong, without stack traces or request ids. */
export const describeError = (error: unknown): string => {
  const e = (error ?? {}) as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: unknown;
  };
  const message = (e.message ?? String(error)).split('\n', 1)[0] ?? '';
  const code = e.code && !message.includes(e.code) ? ` (${e.code})` : '';
  // An AWS error's name is its code (AccessDenied, ThrottlingException); ours speak for themselves.
  const name = e.$metadata && e.name && !message.startsWith(e.name) ? `${e.name}: ` : '';
  return `${name}${message}${code}`;
};

const guarded = async (id: CheckId, check: () => Promise<CheckResult>): Promise<CheckResult> => {
  try {
    return await check();
  } catch (error) {
    return fail(id, describeError(error));
  }
};

const fn = (stack: DeployedStack, logicalId: string): DeployedFunction | undefined =>
  stack.functions.find((f) => f.logicalId === logicalId);

/** The SSM parameters the deployed functions name in their `*_PARAMETER` variables. */
export const parameterNames = (stack: DeployedStack): string[] => {
  const names = new Set<string>();
  for (const f of stack.functions) {
    for (const [key, value] of Object.entries(f.environment)) {
      if (key.endsWith('_PARAMETER') && value.trim() !== '') names.add(value.trim());
    }
  }
  return [...names].sort();
};

const accountSidOf = (stack: DeployedStack): string | undefined =>
  stack.parameters.TwilioAccountSid ??
  stack.functions.map((f) => f.environment.TWILIO_ACCOUNT_SID).find((sid) => sid);

const checkStack = (stack: DeployedStack): CheckResult => {
  const missing = ['WebhookUrl', 'DeadLetterQueueUrl'].filter((name) => !stack.outputs[name]);
  const absent = [WEBHOOK, ARCHIVER, RECONCILE].filter((id) => !fn(stack, id));
  const details = { status: stack.status, outputs: Object.keys(stack.outputs).sort() };
  if (!GOOD_STACK.test(stack.status)) {
    return fail('stack', `${stack.name} is ${stack.status}`, details);
  }
  if (missing.length || absent.length) {
    return fail(
      'stack',
      `${stack.name} ${stack.status} but lacks ${[...missing.map((o) => `output ${o}`), ...absent.map((f) => `function ${f}`)].join(', ')}`,
      details,
    );
  }
  return ok('stack', `${stack.name} ${stack.status}, ${stack.functions.length} functions`, details);
};

interface Secrets {
  result: CheckResult;
  values: Map<string, StoredParameter>;
}

const checkParameters = async (ports: DoctorPorts, stack: DeployedStack): Promise<Secrets> => {
  const names = parameterNames(stack);
  const values = new Map<string, StoredParameter>();
  if (names.length === 0) {
    return {
      result: fail('ssm-parameters', 'the functions name no SSM parameter (*_PARAMETER)'),
      values,
    };
  }
  const { found, missing } = await ports.parameters.read(names);
  for (const parameter of found) values.set(parameter.name, parameter);
  const notSecure = found.filter((p) => p.type !== 'SecureString').map((p) => p.name);
  const empty = found.filter((p) => p.value === '').map((p) => p.name);
  const keyNames = participantKeyParameters(stack);
  // The functions refuse a shorter key at cold start: every webhook would then fail.
  const shortKeys = found
    .filter((p) => keyNames.includes(p.name) && p.value !== '')
    .filter((p) => p.value.length < MIN_PARTICIPANT_KEY_CHARS)
    .map((p) => p.name);
  const details = {
    names,
    missing,
    notSecureString: notSecure,
    empty,
    participantKey: keyNames.length > 0 ? 'configured' : 'none',
  };
  const problems = [
    ...(missing.length ? [`not found: ${some(missing)}`] : []),
    ...(notSecure.length ? [`not a SecureString: ${some(notSecure)}`] : []),
    ...(empty.length ? [`empty: ${some(empty)}`] : []),
    ...(shortKeys.length
      ? [`shorter than ${MIN_PARTICIPANT_KEY_CHARS} characters: ${some(shortKeys)}`]
      : []),
  ];
  const warning = keyNames.length > 0 ? '' : `; warning: ${NO_PARTICIPANT_KEY}`;
  return {
    result: problems.length
      ? fail('ssm-parameters', problems.join('; '), details)
      : ok(
          'ssm-parameters',
          `${names.length === 1 ? '1 SecureString exists and decrypts' : `${names.length} SecureStrings exist and decrypt`}: ${some(names)}${warning}`,
          details,
        ),
    values,
  };
};

/**
 * Without ARCHIVE_PARTICIPANT_KEY the functions write records without `participants` (and say
 * nothing: a missing key is a valid, if poorer, deployment), so `find`/`erase --participant` can
 * never match those messages. Only a warning: the parameter is opt-in, and CloudFormation cannot
 * create a SecureString for it.
 */
const NO_PARTICIPANT_KEY =
  'no participant key (participantKeyParameter is empty): records name no participant, so find/erase --participant match nothing; create it (docs/DEPLOY.md, "Participants, erasure and retention") and redeploy';

const participantKeyParameters = (stack: DeployedStack): string[] => [
  ...new Set(
    stack.functions
      .map((f) => f.environment.ARCHIVE_PARTICIPANT_KEY_PARAMETER?.trim() ?? '')
      .filter((name) => name !== ''),
  ),
];

interface NamedCredential {
  label: string;
  credentials: TwilioCredentials;
}

/** The webhook's auth token (signatures) and, when configured, the archive's API key. */
const credentialsOf = (
  stack: DeployedStack,
  accountSid: string,
  secrets: Map<string, StoredParameter>,
): NamedCredential[] | string => {
  const result: NamedCredential[] = [];
  const secret = (name: string | undefined) =>
    name?.trim() ? secrets.get(name.trim())?.value : undefined;
  const tokenParameter =
    fn(stack, WEBHOOK)?.environment.TWILIO_AUTH_TOKEN_PARAMETER ||
    fn(stack, ARCHIVER)?.environment.TWILIO_AUTH_TOKEN_PARAMETER;
  const token = secret(tokenParameter);
  if (token)
    result.push({ label: 'auth token', credentials: { username: accountSid, password: token } });
  const archive = fn(stack, ARCHIVER)?.environment ?? {};
  const keySid = archive.TWILIO_API_KEY_SID?.trim();
  if (keySid) {
    const keySecret = secret(archive.TWILIO_API_KEY_SECRET_PARAMETER);
    if (!keySecret) return `the API key ${keySid}'s secret could not be read from SSM`;
    result.push({
      label: `API key ${keySid}`,
      credentials: { username: keySid, password: keySecret },
    });
  }
  return result.length ? result : 'no Twilio credential could be read from SSM';
};

/** Also returns the credentials Twilio accepted, for the webhook check to read with. */
const checkCredentials = async (
  ports: DoctorPorts,
  accountSid: string,
  credentials: NamedCredential[],
): Promise<{ result: CheckResult; accepted: NamedCredential[] }> => {
  const outcomes = await Promise.all(
    credentials.map(async (credential) => {
      try {
        await ports.twilio(accountSid, credential.credentials).probe();
        return { credential, error: undefined };
      } catch (error) {
        return { credential, error: describeError(error) };
      }
    }),
  );
  const details = {
    accountSid,
    credentials: outcomes.map((o) => ({ label: o.credential.label, ok: !o.error, error: o.error })),
  };
  const accepted = outcomes.filter((o) => !o.error).map((o) => o.credential);
  const refused = outcomes.filter((o) => o.error);
  const result = refused.length
    ? fail(
        'twilio-credentials',
        refused.map((o) => `${o.credential.label}: ${o.error}`).join('; '),
        details,
      )
    : ok(
        'twilio-credentials',
        `${credentials.map((c) => c.label).join(' and ')} accepted for ${accountSid}`,
        details,
      );
  return { result, accepted };
};

/** Phone numbers stay out of output but for their last 4 digits; the PN SID identifies them. */
const numberLabel = (n: PhoneNumberConfig) => `${n.sid} (…${n.phoneNumber.slice(-4)})`;

const numberVerdict = (n: PhoneNumberConfig, webhookUrl: string): string | undefined => {
  if (n.smsApplicationSid) return `answered by TwiML app ${n.smsApplicationSid}`;
  if (n.smsUrl !== webhookUrl) return n.smsUrl ? 'sms_url is another URL' : 'no sms_url';
  if ((n.smsMethod ?? 'POST').toUpperCase() !== 'POST') return `sms_method is ${n.smsMethod}`;
  return undefined;
};

const serviceVerdict = (s: MessagingServiceConfig, webhookUrl: string): string | undefined => {
  if (s.useInboundWebhookOnNumber) return "defers to its numbers' own sms_url";
  if (s.inboundRequestUrl !== webhookUrl) {
    return s.inboundRequestUrl ? 'inbound_request_url is another URL' : 'no inbound_request_url';
  }
  if ((s.inboundMethod ?? 'POST').toUpperCase() !== 'POST') {
    return `inbound_method is ${s.inboundMethod}`;
  }
  return undefined;
};

const checkWebhook = async (
  ports: DoctorPorts,
  accountSid: string,
  credential: NamedCredential,
  webhookUrl: string,
): Promise<CheckResult> => {
  const twilio = ports.twilio(accountSid, credential.credentials);
  const [numbers, services] = await Promise.all([
    twilio.listPhoneNumbers(),
    twilio.listMessagingServices(),
  ]);
  const judged = [
    ...numbers.map((n) => ({
      kind: 'number',
      name: numberLabel(n),
      why: numberVerdict(n, webhookUrl),
    })),
    ...services.map((s) => ({
      kind: 'service',
      name: `${s.sid} (${s.friendlyName})`,
      why: serviceVerdict(s, webhookUrl),
    })),
  ];
  const pointing = judged.filter((j) => j.why === undefined);
  const elsewhere = judged.filter((j) => j.why !== undefined);
  const count = (kind: string) =>
    judged.filter((j) => j.kind === kind && j.why === undefined).length;
  const tally = `${count('number')} of ${numbers.length} numbers and ${count('service')} of ${services.length} Messaging Services point at ${loggableUrl(webhookUrl)}`;
  const details = {
    webhookUrl: loggableUrl(webhookUrl),
    pointing: pointing.map((j) => ({ kind: j.kind, name: j.name })),
    elsewhere: elsewhere.map((j) => ({ kind: j.kind, name: j.name, reason: j.why })),
  };
  const others = elsewhere.length
    ? `; not: ${some(elsewhere.map((j) => `${j.name} ${j.why}`))}`
    : '';
  if (pointing.length === 0) {
    return fail(
      'twilio-webhook',
      judged.length === 0
        ? `the account has no phone number and no Messaging Service to point at ${loggableUrl(webhookUrl)}`
        : `${tally}${others}`,
      details,
    );
  }
  return ok('twilio-webhook', `${tally}${others}`, details);
};

/** A SID in a one-line summary: enough to tell accounts apart; --json carries the whole SID. */
const shortSid = (sid: string) => `${sid.slice(0, 2)}…${sid.slice(-4)}`;

interface AccountVerdict {
  accountSid: string;
  main: boolean;
  numbers: number;
  numbersPointing: number;
  /** Main account only: Messaging v1 lists the credential's own account, never a subaccount's. */
  services?: number;
  servicesPointing?: number;
  elsewhere: Array<{ kind: string; name: string; reason: string }>;
  error?: string;
  ok: boolean;
}

const judgeAccount = async (
  ports: DoctorPorts,
  accountSid: string,
  main: boolean,
  credential: NamedCredential,
  webhookUrl: string,
): Promise<AccountVerdict> => {
  // The main account's credentials are valid on its subaccounts' 2010-04-01 paths.
  const twilio = ports.twilio(accountSid, credential.credentials);
  try {
    const [numbers, services] = await Promise.all([
      twilio.listPhoneNumbers(),
      main ? twilio.listMessagingServices() : Promise.resolve(undefined),
    ]);
    const judgedNumbers = numbers.map((n) => ({
      kind: 'number',
      name: numberLabel(n),
      why: numberVerdict(n, webhookUrl),
    }));
    const judgedServices = (services ?? []).map((s) => ({
      kind: 'service',
      name: `${s.sid} (${s.friendlyName})`,
      why: serviceVerdict(s, webhookUrl),
    }));
    const judged = [...judgedNumbers, ...judgedServices];
    const numbersPointing = judgedNumbers.filter((j) => j.why === undefined).length;
    const servicesPointing = judgedServices.filter((j) => j.why === undefined).length;
    return {
      accountSid,
      main,
      numbers: numbers.length,
      numbersPointing,
      ...(services ? { services: services.length, servicesPointing } : {}),
      elsewhere: judged.flatMap((j) =>
        j.why === undefined ? [] : [{ kind: j.kind, name: j.name, reason: j.why }],
      ),
      // An account with nothing to point (an ISV's main, a fresh subaccount) is not a failure.
      ok: judged.length === 0 || numbersPointing + servicesPointing > 0,
    };
  } catch (error) {
    return {
      accountSid,
      main,
      numbers: 0,
      numbersPointing: 0,
      elsewhere: [],
      error: describeError(error),
      ok: false,
    };
  }
};

const accountLine = (a: AccountVerdict): string => {
  const head = `${shortSid(a.accountSid)}${a.main ? ' (main)' : ''}`;
  if (a.error) return `${head} unreadable: ${a.error}`;
  const parts = [
    a.numbers ? `${a.numbersPointing}/${a.numbers} numbers` : 'no numbers',
    ...(a.services ? [`${a.servicesPointing}/${a.services} Messaging Services`] : []),
  ];
  const why = a.elsewhere.length
    ? ` (${some(a.elsewhere.map((e) => `${e.name} ${e.reason}`))})`
    : '';
  return `${head} ${parts.join(', ')}${why}`;
};

/** TWILIO_SUBACCOUNTS: one verdict per served account, each read at its own path. */
const checkWebhookPerAccount = async (
  ports: DoctorPorts,
  mainSid: string,
  subaccounts: readonly string[],
  credential: NamedCredential,
  webhookUrl: string,
): Promise<CheckResult> => {
  const accounts = await Promise.all([
    judgeAccount(ports, mainSid, true, credential, webhookUrl),
    ...subaccounts.map((sid) => judgeAccount(ports, sid, false, credential, webhookUrl)),
  ]);
  const pointing = accounts.reduce((n, a) => n + a.numbersPointing + (a.servicesPointing ?? 0), 0);
  // With hundreds of subaccounts the line names the failing ones first; --json has them all.
  const named = [...accounts.filter((a) => !a.ok), ...accounts.filter((a) => a.ok)];
  const summary = `${countOf(accounts.length, 'account')}: ${some(named.map(accountLine))}; pointing at ${loggableUrl(webhookUrl)}`;
  const details = { webhookUrl: loggableUrl(webhookUrl), accounts };
  const passes = pointing > 0 && accounts.every((a) => a.ok);
  return passes ? ok('twilio-webhook', summary, details) : fail('twilio-webhook', summary, details);
};

const formatAge = (seconds: number): string => {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
};

const queueNameOf = (queueUrl: string): string =>
  queueUrl.replace(/\/+$/, '').split('/').at(-1) ?? '';

const checkDeadLetters = async (ports: DoctorPorts, queueUrl: string): Promise<CheckResult> => {
  const depth = await ports.queues.depth(queueUrl);
  const total = depth.visible + depth.inFlight + depth.delayed;
  if (total === 0) {
    return ok('dead-letter-queue', `${queueNameOf(queueUrl)} is empty`, {
      ...depth,
      oldestAgeSeconds: null,
    });
  }
  const age = await ports.metrics.oldestMessageAgeSeconds(queueNameOf(queueUrl));
  return fail(
    'dead-letter-queue',
    `${total} dead-lettered job${total === 1 ? '' : 's'} in ${queueNameOf(queueUrl)}${depth.inFlight ? ` (${depth.inFlight} in flight)` : ''}, oldest ${age === undefined ? 'unknown' : formatAge(age)}; their reasons: media-archive redrive --dry-run`,
    { ...depth, oldestAgeSeconds: age ?? null },
  );
};

const HOW_TO_SUBSCRIBE =
  'deploy with --param="alarmEmail=you@example.com" and confirm the e-mail AWS sends';

/** An alarm only helps if someone hears it: each topic it notifies needs a confirmed subscriber. */
const unheardAlarms = async (ports: DoctorPorts, states: AlarmState[]): Promise<string[]> => {
  if (states.length === 0) return [];
  const topics = [...new Set(states.flatMap((alarm) => alarm.actions ?? []))].filter((arn) =>
    arn.includes(':sns:'),
  );
  if (topics.length === 0) return [`no alarm notifies anyone (no SNS action): ${HOW_TO_SUBSCRIBE}`];
  const unheard: string[] = [];
  for (const topic of topics) {
    const { confirmed, pendingConfirmation } = await ports.alarmTopics.subscriptions(topic);
    if (confirmed > 0) continue;
    const pending = pendingConfirmation ? ` (${pendingConfirmation} pending confirmation)` : '';
    unheard.push(
      `alarm topic ${topic.split(':').pop()} has no confirmed subscription${pending}: nobody is told; ${HOW_TO_SUBSCRIBE}`,
    );
  }
  return unheard;
};

const checkAlarms = async (ports: DoctorPorts, stack: DeployedStack): Promise<CheckResult> => {
  if (stack.alarmNames.length === 0) {
    return fail(
      'alarms',
      `${stack.name} has no CloudWatch alarm (nothing will tell anyone when jobs dead-letter or a function fails)`,
      { alarms: [] },
    );
  }
  const states = await ports.alarms.describe(stack.alarmNames);
  const known = new Set(states.map((a) => a.name));
  const absent = stack.alarmNames.filter((name) => !known.has(name));
  const firing = states.filter((a) => a.state === 'ALARM').map((a) => a.name);
  const byState = new Map<string, number>();
  for (const alarm of states) byState.set(alarm.state, (byState.get(alarm.state) ?? 0) + 1);
  const tally = [...byState].map(([state, n]) => `${n} ${state}`).join(', ');
  const details = { alarms: states, notInCloudWatch: absent };
  const problems = [
    ...(firing.length ? [`in ALARM: ${some(firing)}`] : []),
    ...(absent.length ? [`in the stack but not in CloudWatch: ${some(absent)}`] : []),
    ...(await unheardAlarms(ports, states)),
  ];
  const head = `${stack.alarmNames.length} alarm${stack.alarmNames.length === 1 ? '' : 's'}${tally ? ` (${tally})` : ''}`;
  return problems.length
    ? fail('alarms', `${head}; ${problems.join('; ')}`, details)
    : ok('alarms', head, details);
};

const checkReconcile = async (
  ports: DoctorPorts,
  stack: DeployedStack,
  options: DoctorOptions,
): Promise<CheckResult> => {
  const env = fn(stack, RECONCILE)?.environment ?? fn(stack, ARCHIVER)?.environment ?? {};
  const bucket = stack.outputs.ArchiveBucketName ?? env.ARCHIVE_BUCKET;
  if (!bucket) return fail('reconcile', 'the stack names no archive bucket (ArchiveBucketName)');
  const prefix = env.ARCHIVE_PREFIX ?? 'media/';
  const status = await ports.reconcileStatus.read(bucket, prefix);
  if (!status) {
    return fail(
      'reconcile',
      `no reconcile run recorded in s3://${bucket}/${prefix}_status/ (the schedule runs it daily; media-archive reconcile runs it now)`,
    );
  }
  const now = (options.now ?? (() => new Date()))();
  const ageSeconds = (now.getTime() - Date.parse(status.finishedAt)) / 1000;
  const counts = status.counts;
  const summary = `last run ${status.finishedAt} (${formatAge(Math.max(0, ageSeconds))} ago), ${status.since}..${status.until}: ${counts.enqueued ?? 0} enqueued, ${counts.alreadyArchived ?? 0} already archived`;
  const details = { ...status, ageSeconds };
  if (ageSeconds > options.reconcileMaxAgeHours * 3600) {
    return fail('reconcile', `${summary}; older than ${options.reconcileMaxAgeHours} h`, details);
  }
  if (!status.complete) {
    return fail('reconcile', `${summary}; stopped before the end of its window`, details);
  }
  return ok('reconcile', summary, details);
};

/** Runs every check; none throws, and a check that cannot run says why. */
/**
 * TWILIO_SUBACCOUNTS: the credentials check also names the accounts served, read from the main
 * account's Accounts list; a list the credential cannot read fails the check.
 */
const withServedAccounts = async (
  ports: DoctorPorts,
  stack: DeployedStack,
  accountSid: string,
  credential: NamedCredential | undefined,
  result: CheckResult,
): Promise<{ result: CheckResult; subaccounts: string[] }> => {
  const setting = stack.functions
    .map((f) => f.environment.TWILIO_SUBACCOUNTS)
    .find((value) => value !== undefined);
  let scope: AccountScope;
  try {
    scope = parseAccountScope(setting);
  } catch (error) {
    return {
      result: fail('twilio-credentials', `TWILIO_SUBACCOUNTS: ${describeError(error)}`),
      subaccounts: [],
    };
  }
  if (scope.kind === 'none' || !ports.accounts || !credential || result.status !== 'ok') {
    return { result, subaccounts: [] };
  }
  try {
    const listed = await ports.accounts(accountSid, credential.credentials).listSubaccounts();
    const served = listed.filter((a) => scope.kind === 'all' || scope.sids.includes(a.sid));
    const accounts = served.map((a) => ({ sid: a.sid, status: a.status }));
    const closed = accounts.filter((a) => a.status !== 'active').length;
    return {
      result: ok(
        'twilio-credentials',
        `${result.summary}; serves ${countOf(accounts.length, 'subaccount')} (TWILIO_SUBACCOUNTS=${formatAccountScope(scope)})${closed ? `, ${closed} suspended or closed` : ''}`,
        { ...result.details, accounts: [{ sid: accountSid, status: 'main' }, ...accounts] },
      ),
      subaccounts: accounts.map((a) => a.sid),
    };
  } catch (error) {
    return {
      result: fail('twilio-credentials', `cannot list subaccounts: ${describeError(error)}`),
      subaccounts: [],
    };
  }
};

/** The stack's `Intake` output (`webhook,event-streams-webhook`…); absent = webhook only (older stacks). */
const intakesOf = (stack: DeployedStack): string[] =>
  (stack.outputs.Intake ?? 'webhook')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);

/**
 * Each served account has an active sink of this deployment's intake and subscriptions naming
 * the 5 event types; the summary also says which intake is live, webhook and event streams.
 */
const checkEventStreams = async (
  ports: DoctorPorts,
  stack: DeployedStack,
  mainSid: string,
  subaccounts: readonly string[],
  credential: NamedCredential,
  webhookLive: boolean,
): Promise<CheckResult> => {
  const intake = intakeOfOutputs(stack.outputs);
  const live = (eventsLive: boolean) =>
    `live intake: ${[webhookLive ? 'webhook' : '', eventsLive ? 'event streams' : ''].filter(Boolean).join(' and ') || 'none'}`;
  if (!intake.eventsUrl && !intake.streamArn) {
    return ok('event-streams', `no Event Streams intake deployed; ${live(false)}`, {
      intake: intakesOf(stack),
    });
  }
  if (!ports.events) return skip('event-streams', 'no Events API client');
  const events = ports.events;
  const credentialOf = async (sid: string): Promise<TwilioCredentials> => {
    if (sid === mainSid) return credential.credentials;
    // Events v1 lists the credential's own account: a subaccount is read with its own token.
    const sub = await ports.accounts?.(mainSid, credential.credentials).getSubaccount(sid);
    if (!sub) throw new Error(`cannot read ${sid}'s auth token`);
    return { username: sid, password: sub.authToken };
  };
  const verdicts: EventAccountVerdict[] = await Promise.all(
    [mainSid, ...subaccounts].map(async (sid) => {
      const main = sid === mainSid;
      try {
        return await judgeEventAccount(
          events,
          { sid, main, credentials: await credentialOf(sid) },
          intake,
        );
      } catch (error) {
        return {
          accountSid: sid,
          main,
          sinks: [],
          inactive: [],
          missingTypes: [],
          error: describeError(error),
          ok: false,
        };
      }
    }),
  );
  const connected = verdicts.every((v) => v.ok);
  const named = [...verdicts.filter((v) => !v.ok), ...verdicts.filter((v) => v.ok)];
  const summary = `${live(connected)}; ${some(named.map(eventAccountLine))}`;
  const details = { intake: intakesOf(stack), ...intake, accounts: verdicts };
  return connected
    ? ok('event-streams', summary, details)
    : fail('event-streams', summary, details);
};

export const runDoctor = async (
  ports: DoctorPorts,
  options: DoctorOptions,
): Promise<DoctorReport> => {
  const report = (checks: CheckResult[]): DoctorReport => ({
    stackName: options.stackName,
    ok: checks.every((c) => c.status === 'ok'),
    checks,
  });
  let stack: DeployedStack | undefined;
  try {
    stack = await ports.stack.read(options.stackName);
  } catch (error) {
    const reason = describeError(error);
    return report([
      fail('stack', `cannot read ${options.stackName}: ${reason}`),
      ...CHECK_IDS.slice(1).map((id) => skip(id, 'the stack could not be read')),
    ]);
  }
  if (!stack) {
    return report([
      fail('stack', `no stack ${options.stackName} in this region (check --stage and --region)`),
      ...CHECK_IDS.slice(1).map((id) => skip(id, 'no stack')),
    ]);
  }
  const deployed = stack;
  const stackResult = checkStack(deployed);

  const twilioChecks = (async (): Promise<[CheckResult, CheckResult, CheckResult, CheckResult]> => {
    let secrets: Secrets;
    try {
      secrets = await checkParameters(ports, deployed);
    } catch (error) {
      const failed = fail('ssm-parameters', describeError(error));
      return [
        failed,
        skip('twilio-credentials', 'SSM unreadable'),
        skip('twilio-webhook', 'SSM unreadable'),
        skip('event-streams', 'SSM unreadable'),
      ];
    }
    const accountSid = accountSidOf(deployed);
    if (!accountSid) {
      const why = 'the stack names no Twilio account (TwilioAccountSid)';
      return [
        secrets.result,
        fail('twilio-credentials', why),
        skip('twilio-webhook', why),
        skip('event-streams', why),
      ];
    }
    const credentials = credentialsOf(deployed, accountSid, secrets.values);
    if (typeof credentials === 'string') {
      return [
        secrets.result,
        skip('twilio-credentials', credentials),
        skip('twilio-webhook', credentials),
        skip('event-streams', credentials),
      ];
    }
    let checked: Awaited<ReturnType<typeof checkCredentials>>;
    try {
      checked = await checkCredentials(ports, accountSid, credentials);
    } catch (error) {
      checked = { result: fail('twilio-credentials', describeError(error)), accepted: [] };
    }
    const served = await withServedAccounts(
      ports,
      deployed,
      accountSid,
      checked.accepted[0],
      checked.result,
    );
    const credentialResult = served.result;
    const webhookUrl = deployed.outputs.WebhookUrl;
    // Read with the archive's API key when Twilio took it (it comes last), else the auth token.
    const reader = checked.accepted.at(-1);
    const webhookIntake = intakesOf(deployed).includes('webhook');
    const webhookResult = !webhookIntake
      ? ok(
          'twilio-webhook',
          `not this deployment's intake (Intake=${intakesOf(deployed).join(',')}): the numbers' webhooks stay the app's`,
        )
      : !webhookUrl
        ? fail('twilio-webhook', 'the stack has no WebhookUrl output')
        : !reader
          ? skip('twilio-webhook', 'Twilio accepted no credential')
          : await guarded('twilio-webhook', () =>
              served.subaccounts.length
                ? checkWebhookPerAccount(ports, accountSid, served.subaccounts, reader, webhookUrl)
                : checkWebhook(ports, accountSid, reader, webhookUrl),
            );
    const eventsResult = !reader
      ? skip('event-streams', 'Twilio accepted no credential')
      : await guarded('event-streams', () =>
          checkEventStreams(
            ports,
            deployed,
            accountSid,
            served.subaccounts,
            reader,
            webhookIntake && webhookResult.status === 'ok',
          ),
        );
    return [secrets.result, credentialResult, webhookResult, eventsResult];
  })();

  const dlqUrl = deployed.outputs.DeadLetterQueueUrl;
  const [twilio, dlq, alarms, reconcileRun] = await Promise.all([
    twilioChecks,
    dlqUrl
      ? guarded('dead-letter-queue', () => checkDeadLetters(ports, dlqUrl))
      : Promise.resolve(fail('dead-letter-queue', 'the stack has no DeadLetterQueueUrl output')),
    guarded('alarms', () => checkAlarms(ports, deployed)),
    guarded('reconcile', () => checkReconcile(ports, deployed, options)),
  ]);
  return report([stackResult, ...twilio, dlq, alarms, reconcileRun]);
};
