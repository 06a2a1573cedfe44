import { parseArgs } from 'node:util';
import { parseCommandArgs, runOpsCommand } from '../../backfill/cli-runtime.ts';
import { readDoctorConfig } from '../../doctor/config.ts';
import { createDoctorDeps } from '../../doctor/deps.ts';
import { type CheckResult, type DoctorReport, runDoctor } from '../../doctor/doctor.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from '../errors.ts';
import type { CliIo } from '../main.ts';
import { distance } from '../suggest.ts';

/** serverless.yml's `service`: the stack is `${service}-${stage}`. */
export const SERVICE_NAME = 'twilio-media-archiver';
const DEFAULT_RECONCILE_MAX_AGE_HOURS = 26;

export const HELP = `Usage: media-archive doctor --stage STAGE [--region REGION] [--json]

Checks a deployed stack (${SERVICE_NAME}-STAGE), one line per check, and exits 1 when any fails:
  stack               the stack exists, is complete, has its outputs and functions
  ssm-parameters      every SSM parameter the functions name exists, is a SecureString and
                      decrypts (values are never printed)
  twilio-credentials  Twilio accepts the auth token (and the API key, when one is set): one
                      list request each
  twilio-webhook      which phone numbers (sms_url) and Messaging Services
                      (inbound_request_url) point at the stack's WebhookUrl with POST; fails
                      when none does
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
https://api.twilio.com) and TWILIO_MESSAGING_BASE_URL (default https://messaging.twilio.com).
Exit status: 0 every check ok, 1 a check failed or was skipped, 64 usage error.
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
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
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true }).values;
  } catch (error) {
    const message = (error as Error).message.split('\n', 1)[0] ?? 'bad arguments';
    const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
    const hint = unknown ? suggestOption(unknown) : undefined;
    throw new UsageError(
      unknown ? `unknown option ${unknown}${hint ? ` (did you mean ${hint}?)` : ''}` : message,
    );
  }
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

export const run = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const args = parseCommandArgs('doctor', HELP, io, () => parse(argv));
  if (typeof args === 'number') return args;
  const env = io.env ?? process.env;
  const region = args.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    io.stderr.write(`media-archive doctor: no AWS region: --region or AWS_REGION\n\n${HELP}`);
    return EXIT_USAGE;
  }
  return runOpsCommand('doctor', io, false, async ({ own }) => {
    const config = readDoctorConfig(env, { region });
    const deps = own(createDoctorDeps(config));
    const report = await runDoctor(deps.ports, {
      stackName: args.stackName,
      reconcileMaxAgeHours: args.reconcileMaxAgeHours,
      ...(io.now ? { now: io.now } : {}),
    });
    if (args.json) {
      io.stdout.write(
        `${JSON.stringify({ stack: report.stackName, region: config.region, ok: report.ok, checks: report.checks }, null, 2)}\n`,
      );
    } else {
      for (const check of report.checks) io.stdout.write(`${formatCheck(check)}\n`);
      io.stdout.write(`${formatVerdict(report)}\n`);
    }
    return report.ok ? EXIT_OK : EXIT_FAILURE;
  });
};
