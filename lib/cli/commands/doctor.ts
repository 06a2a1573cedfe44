import { createDoctorDeps } from '../../compose/doctor.ts';
import { DEFAULT_RECONCILE_MAX_AGE_HOURS, readDoctorConfig } from '../../config/doctor.ts';
import { SERVICE_NAME } from '../../domain/service.ts';
import { type CheckResult, type DoctorReport, runDoctor } from '../../use-cases/doctor.ts';
import { defineCommand, type RunContext } from '../command.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';
import { HELP_OPTION, parseOptions } from '../options.ts';
import { distance } from '../suggest.ts';

const OPTIONS = {
  ...HELP_OPTION,
  stage: { type: 'string' },
  region: { type: 'string' },
  stack: { type: 'string' },
  'reconcile-max-age': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const suggestOption = (raw: string): string | undefined => {
  const name = raw.replace(/^-+/, '').split('=', 1)[0] ?? '';
  const best = Object.keys(OPTIONS)
    .map((option) => ({ option, d: distance(name, option) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(1, Math.floor(best.option.length / 3))
    ? `--${best.option}`
    : undefined;
};

const parse = (argv: readonly string[]) => {
  const { values } = parseOptions(argv, OPTIONS, {
    describeUnknown: (raw) => {
      const hint = suggestOption(raw);
      return `unknown option ${raw}${hint ? ` (did you mean ${hint}?)` : ''}`;
    },
  });
  if (values.help) return undefined;
  if (values.stage === undefined) throw new UsageError('--stage is required');
  if (!/^[A-Za-z0-9-]+$/.test(values.stage)) {
    throw new UsageError(`--stage must be letters, digits and dashes, got "${values.stage}"`);
  }
  if (values.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values.region)) {
    throw new UsageError(
      `--region must be an AWS region such as us-east-1, got "${values.region}"`,
    );
  }
  const maxAge = values['reconcile-max-age'];
  if (maxAge !== undefined && (!/^\d+$/.test(maxAge) || Number(maxAge) < 1)) {
    throw new UsageError('--reconcile-max-age must be a positive number of hours');
  }
  return {
    stage: values.stage,
    ...(values.region ? { region: values.region } : {}),
    stackName: values.stack ?? `${SERVICE_NAME}-${values.stage}`,
    reconcileMaxAgeHours: maxAge === undefined ? DEFAULT_RECONCILE_MAX_AGE_HOURS : Number(maxAge),
    json: values.json ?? false,
  };
};

const LABEL: Record<CheckResult['status'], string> = { ok: 'ok', fail: 'FAIL', skip: 'skip' };
const ID_WIDTH = 18;

export const formatCheck = (check: CheckResult): string =>
  `${LABEL[check.status].padEnd(4)}  ${check.id.padEnd(ID_WIDTH)}  ${check.summary}`;

export const formatVerdict = (report: DoctorReport): string => {
  const failed = report.checks.filter((c) => c.status !== 'ok').map((c) => c.id);
  return failed.length === 0
    ? `${report.stackName}: all ${report.checks.length} checks ok`
    : `${report.stackName}: ${failed.length} of ${report.checks.length} checks not ok (${failed.join(', ')})`;
};

type DoctorArgs = NonNullable<ReturnType<typeof parse>>;

const runDoctorCommand = async (args: DoctorArgs, context: RunContext): Promise<number> => {
  const { env, own } = context;
  const region = args.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError('no AWS region: --region or AWS_REGION');
  const config = readDoctorConfig(env, { region });
  const deps = own(await createDoctorDeps(config));
  const report = await runDoctor(deps.ports, {
    stackName: args.stackName,
    reconcileMaxAgeHours: args.reconcileMaxAgeHours,
    now: context.now,
  });
  if (args.json) {
    context.stdout.write(
      `${JSON.stringify({ stack: report.stackName, region: config.region, ok: report.ok, checks: report.checks }, null, 2)}\n`,
    );
  } else {
    for (const check of report.checks) context.stdout.write(`${formatCheck(check)}\n`);
    context.stdout.write(`${formatVerdict(report)}\n`);
  }
  return report.ok ? EXIT_OK : EXIT_FAILURE;
};

const HELP = `Usage: media-archive doctor --stage STAGE [--region REGION] [--json]

Checks a deployed stack (${SERVICE_NAME}-STAGE), one line per check, and exits 1 when any fails:
  stack               the stack exists, is complete, has its outputs and functions
  ssm-parameters      every SSM parameter the functions name exists, is a SecureString and
                      decrypts (values are never printed)
  twilio-credentials  Twilio accepts the auth token (and the API key, when one is set): one
                      list request each
  twilio-webhook      which phone numbers (sms_url) and Messaging Services
                      (inbound_request_url) point at the stack's WebhookUrl with POST; fails
                      when none does. With TWILIO_SUBACCOUNTS, one verdict per served account
                      (numbers read at its own path); fails when an account's numbers all
                      point elsewhere. Ok without a look when the stack's Intake output
                      leaves the webhook out (event mode: the numbers stay the app's)
  event-streams       Event Streams intake (EventsUrl / EventStreamArn outputs): each served
                      account has an active sink of this stack and subscriptions naming the 5
                      event types (a subaccount read with its own token); says which intake is
                      live: webhook, event streams or both
  dead-letter-queue   depth and oldest job's age (CloudWatch; "unknown" without data); fails
                      when not empty
  alarms              state of the stack's CloudWatch alarms; fails on ALARM or when the stack
                      has none
  reconcile           the last reconcile run (the run's {prefix}_status/reconcile.json in the
                      archive bucket); fails when missing, incomplete or too old

  --stage STAGE          the stage deployed (osls --stage)
  --region REGION        its region (default AWS_REGION)
  --stack NAME           another stack name (default ${SERVICE_NAME}-STAGE)
  --reconcile-max-age H  hours after which the last reconcile run is too old (default ${DEFAULT_RECONCILE_MAX_AGE_HOURS})
  --json                 one JSON document: {"stack", "ok", "checks": [{"id", "status", "summary", "details"}]}
  -h, --help             this help

Environment: the standard AWS credential chain; AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE>
(CLOUDFORMATION, LAMBDA, SSM, SQS, CLOUDWATCH, S3) for a stand-in; TWILIO_API_BASE_URL (default
https://api.twilio.com), TWILIO_MESSAGING_BASE_URL (default https://messaging.twilio.com) and
TWILIO_EVENTS_BASE_URL (default https://events.twilio.com).
Exit status: 0 every check ok, 1 a check failed or was skipped, 64 usage error.
`;

export const command = defineCommand<DoctorArgs>({
  name: 'doctor',
  kind: 'operation',
  summary: `check a deployed stack: SSM secrets, Twilio credentials and webhook, DLQ, alarms,
last reconcile run (--stage STAGE [--region REGION])`,
  help: HELP,
  options: OPTIONS,
  parse,
  run: runDoctorCommand,
});
