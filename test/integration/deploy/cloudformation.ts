import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Helpers for the template tests: package with osls offline, resolve conditions, read policies. */

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..', '..');
export const ESBUILD_OUTPUT_DIR = join(PROJECT_ROOT, '.esbuild', '.build', 'functions');

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation values are arbitrary JSON.
type Json = any;

export interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string | string[];
}

export interface CfnTemplate {
  Parameters?: Record<string, Json>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: Json; Condition?: string }>;
}

export interface PackageResult {
  artifactDir: string;
  /** The empty HOME osls ran with (no ~/.aws); remove both directories when done. */
  homeDir: string;
  template: CfnTemplate;
  /** serverless-state.json as text: it also holds the resolved service config. */
  stateText: string;
  templateText: string;
}

const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];

/**
 * Runs `osls package` the way CI does: no AWS credentials, no config files, artifacts in a temp dir
 * so a developer's own .serverless/ is left alone. `env` adds variables (e.g. canary secrets).
 */
export const packageService = async (options: {
  stage: string;
  region?: string;
  params?: Record<string, string>;
  env?: Record<string, string>;
}): Promise<PackageResult> => {
  const artifactDir = await mkdtemp(join(tmpdir(), 'sls-package-'));
  const homeDir = await mkdtemp(join(tmpdir(), 'sls-home-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, HOME: homeDir };
  for (const name of CREDENTIAL_VARIABLES) delete env[name];
  env.AWS_CONFIG_FILE = join(homeDir, 'no-aws-config');
  env.AWS_SHARED_CREDENTIALS_FILE = join(homeDir, 'no-aws-credentials');
  env.SLS_TELEMETRY_DISABLED = '1';
  env.SLS_NOTIFICATIONS_MODE = 'off';
  const params = Object.entries(options.params ?? {}).map(
    ([key, value]) => `--param=${key}=${value}`,
  );
  await promisify(execFile)(
    process.execPath,
    [
      join(PROJECT_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'),
      'package',
      '--stage',
      options.stage,
      '--package',
      artifactDir,
      ...(options.region ? ['--region', options.region] : []),
      ...params,
    ],
    { cwd: PROJECT_ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 180_000 },
  );
  const templateText = await readFile(
    join(artifactDir, 'cloudformation-template-update-stack.json'),
    'utf8',
  );
  const stateText = await readFile(join(artifactDir, 'serverless-state.json'), 'utf8');
  return { artifactDir, homeDir, template: JSON.parse(templateText), templateText, stateText };
};

const NO_VALUE = Symbol('AWS::NoValue');

const evaluateCondition = (
  value: Json,
  conditions: Record<string, boolean>,
  parameters: Record<string, Json> = {},
): Json => {
  if (typeof value !== 'object' || value === null) return value;
  if (typeof value.Ref === 'string' && value.Ref in parameters)
    return parameters[value.Ref].Default;
  const [name, args] = Object.entries(value)[0] as [string, Json];
  switch (name) {
    case 'Fn::Equals':
      return (
        evaluateCondition(args[0], conditions, parameters) ===
        evaluateCondition(args[1], conditions, parameters)
      );
    case 'Fn::Not':
      return !evaluateCondition(args[0], conditions, parameters);
    case 'Fn::And':
      return args.every((arg: Json) => evaluateCondition(arg, conditions, parameters));
    case 'Fn::Or':
      return args.some((arg: Json) => evaluateCondition(arg, conditions, parameters));
    case 'Condition':
      return conditions[args];
    default:
      throw new Error(`condition uses ${name}, which the test cannot evaluate offline`);
  }
};

/**
 * The template CloudFormation would act on with the packaged parameter defaults: each condition
 * compares a Parameter (defaulting to the serverless param) or a literal with a literal. Fn::If picks its branch, AWS::NoValue disappears,
 * and resources or outputs whose condition is false are dropped.
 */
export const resolveConditions = (template: CfnTemplate): CfnTemplate => {
  const conditions: Record<string, boolean> = {};
  for (const [name, condition] of Object.entries(template.Conditions ?? {})) {
    conditions[name] = Boolean(evaluateCondition(condition, conditions, template.Parameters ?? {}));
  }
  const prune = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(prune).filter((item) => item !== NO_VALUE);
    if (typeof value !== 'object' || value === null) return value;
    if ('Fn::If' in value && Object.keys(value).length === 1) {
      const [condition, whenTrue, whenFalse] = value['Fn::If'];
      return prune(conditions[condition] ? whenTrue : whenFalse);
    }
    if (value.Ref === 'AWS::NoValue') return NO_VALUE;
    const result: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      const pruned = prune(item);
      if (pruned !== NO_VALUE) result[key] = pruned;
    }
    return result;
  };
  const kept = <T extends { Condition?: string }>(entries: Record<string, T>) =>
    Object.fromEntries(
      Object.entries(entries)
        .filter(([, entry]) => entry.Condition === undefined || conditions[entry.Condition])
        .map(([key, { Condition: _condition, ...entry }]) => [key, prune(entry)]),
    );
  const { Conditions: _conditions, Parameters, Resources, Outputs, ...rest } = template;
  const resolved = { ...rest, Resources: kept(Resources), Outputs: kept(Outputs ?? {}) };
  // Parameters that only conditions read have no reader left once the conditions are resolved.
  const text = JSON.stringify(resolved);
  const used = Object.entries(Parameters ?? {}).filter(
    ([name]) => text.includes(`{"Ref":"${name}"}`) || text.includes(`\${${name}}`),
  );
  return { ...resolved, ...(used.length ? { Parameters: Object.fromEntries(used) } : {}) };
};

/** Intrinsics as readable text: Ref X → {X}, GetAtt X.Y → {X.Y}, Sub → its string with {…}. */
export const render = (value: Json): string => {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (value?.Ref) return `{${value.Ref}}`;
  if (value?.['Fn::GetAtt']) return `{${value['Fn::GetAtt'].join('.')}}`;
  if (value?.['Fn::Sub'] && typeof value['Fn::Sub'] === 'string') {
    return value['Fn::Sub'].replace(/\$\{([^}]+)\}/g, '{$1}');
  }
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  throw new Error(`cannot render ${JSON.stringify(value)}`);
};

export interface Statement {
  sid?: string;
  effect: string;
  actions: string[];
  resources: string[];
  condition?: Record<string, Record<string, Json>>;
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Inline policy statements of one IAM role, intrinsics rendered. */
export const statementsOf = (template: CfnTemplate, roleId: string): Statement[] => {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not an IAM role`);
  return asArray(role.Properties?.Policies).flatMap((policy: Json) =>
    asArray(policy.PolicyDocument.Statement).map((statement: Json) => ({
      sid: statement.Sid,
      effect: statement.Effect,
      actions: asArray<string>(statement.Action),
      resources: asArray(statement.Resource).map(render),
      ...(statement.Condition ? { condition: statement.Condition } : {}),
    })),
  );
};

export const resourcesOfType = (template: CfnTemplate, type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

export interface LintFinding {
  level: 'crit' | 'warn';
  message: string;
  resource: string;
}

export const lintTemplate = (template: CfnTemplate): LintFinding[] => {
  const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  try {
    const file = join(dir, 'template.json');
    writeFileSync(file, JSON.stringify(template));
    return lintFile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Lints a template file as a user would, from the repository root (so with `.cfnlintrc.yaml`). */
export const lintFile = (file: string): LintFinding[] => {
  const run = spawnSync('cfn-lint', ['--format', 'json', '--', file], {
    cwd: PROJECT_ROOT, // its `.cfnlintrc.yaml` lists the ignored checks and why
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.error) {
    throw new Error(
      `cannot run cfn-lint (${run.error.message}): install AWS's cfn-lint, e.g. pip install "moto[server]"`,
    );
  }
  // Exit status is a bit set: 2 errors, 4 warnings, 8 informational; 1 is cfn-lint failing itself.
  if (run.status === null || run.status & 1) {
    throw new Error(`cfn-lint failed (status ${run.status}): ${run.stderr || run.stdout}`);
  }
  const findings = JSON.parse(run.stdout || '[]') as {
    Level: 'Error' | 'Warning' | 'Informational';
    Message: string;
    Location: { Path: (string | number)[] };
    Rule: { Id: string };
  }[];
  return findings
    .filter((finding) => finding.Level !== 'Informational')
    .map((finding) => ({
      level: finding.Level === 'Error' ? 'crit' : 'warn',
      message: `${finding.Rule.Id} ${finding.Message}`,
      resource: finding.Location.Path.join(' > '),
    }));
};
