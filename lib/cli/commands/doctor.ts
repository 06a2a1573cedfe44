import { createDoctorDeps } from '../../compose/doctor.ts';
import { DEFAULT_RECONCILE_MAX_AGE_HOURS, readDoctorConfig } from '../../config/doctor.ts';
import { SERVICE_NAME } from '../../domain/service.ts';
import { type CheckResult, type DoctorReport, runDoctor } from '../../use-cases/doctor.ts';
import { type CommandIo, defineCommand, parseOptions, runCommand } from '../command.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from '../errors.ts';
import { HELP, SUMMARY } from '../help.ts';
import { runOpsCommand } from '../ops-runtime.ts';
import { distance } from '../suggest.ts';

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

const runDoctorCommand = async (args: DoctorArgs, io: CommandIo): Promise<number> => {
  const env = io.env ?? process.env;
  const region = args.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    io.stderr.write(
      `media-archive doctor: no AWS region: --region or AWS_REGION\n\n${HELP.doctor}`,
    );
    return EXIT_USAGE;
  }
  return runOpsCommand('doctor', io, false, async ({ own }) => {
    const config = readDoctorConfig(env, { region });
    const deps = own(await createDoctorDeps(config));
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

export const command = defineCommand<DoctorArgs>({
  name: 'doctor',
  kind: 'operation',
  summary: SUMMARY.doctor,
  help: HELP.doctor,
  options: OPTIONS,
  parse,
  run: runDoctorCommand,
});

export const run = (argv: readonly string[], io: CommandIo): Promise<number> =>
  runCommand(command, argv, io);
