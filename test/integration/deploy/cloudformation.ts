import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
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
    { cwd: PROJECT_ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 80_000 },
  );
  const templateText = await readFile(
    join(artifactDir, 'cloudformation-template-update-stack.json'),
    'utf8',
  );
  const stateText = await readFile(join(artifactDir, 'serverless-state.json'), 'utf8');
  return { artifactDir, homeDir, template: JSON.parse(templateText), templateText, stateText };
};

const NO_VALUE = Symbol('AWS::NoValue');

const evaluateCondition = (value: Json, conditions: Record<string, boolean>): Json => {
  if (typeof value !== 'object' || value === null) return value;
  const [name, args] = Object.entries(value)[0] as [string, Json];
  switch (name) {
    case 'Fn::Equals':
      return evaluateCondition(args[0], conditions) === evaluateCondition(args[1], conditions);
    case 'Fn::Not':
      return !evaluateCondition(args[0], conditions);
    case 'Fn::And':
      return args.every((arg: Json) => evaluateCondition(arg, conditions));
    case 'Fn::Or':
      return args.some((arg: Json) => evaluateCondition(arg, conditions));
    case 'Condition':
      return conditions[args];
    default:
      throw new Error(`condition uses ${name}, which the test cannot evaluate offline`);
  }
};

/**
 * The template CloudFormation would act on: serverless resolves every param at package time, so
 * each condition is a comparison of literals. Fn::If picks its branch, AWS::NoValue disappears,
 * and resources or outputs whose condition is false are dropped.
 */
export const resolveConditions = (template: CfnTemplate): CfnTemplate => {
  const conditions: Record<string, boolean> = {};
  for (const [name, condition] of Object.entries(template.Conditions ?? {})) {
    conditions[name] = Boolean(evaluateCondition(condition, conditions));
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
  const { Conditions: _conditions, Resources, Outputs, ...rest } = template;
  return { ...rest, Resources: kept(Resources), Outputs: kept(Outputs ?? {}) };
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

/**
 * Validates with the npm `cfn-lint` (offline). Its bundled resource spec predates Lambda's
 * architectures, batch windows, partial batch responses and S3 ownership controls, so the current
 * spec from @aws-cdk/cfnspec is merged into its in-memory copy first (the installed files are not
 * touched). Pass a template with conditions resolved: this linter loses track of its position in
 * the template after any Fn::If and then reports every later intrinsic as "not supported here".
 */
export const lintTemplate = (template: CfnTemplate): LintFinding[] => {
  const require = createRequire(join(PROJECT_ROOT, 'package.json'));
  // cfn-lint 1.9.7 (unmaintained) calls util.isUndefined, which Node 23 removed: give it back,
  // with its old meaning, only where it is missing.
  const util = require('node:util') as { isUndefined?: (value: unknown) => boolean };
  util.isUndefined ??= (value) => value === undefined;
  const awsData = require('cfn-lint/lib/awsData.js');
  const spec = require('@aws-cdk/cfnspec/spec/specification.json');
  Object.assign(awsData.awsResources.PropertyTypes, spec.PropertyTypes);
  Object.assign(awsData.awsResources.ResourceTypes, spec.ResourceTypes);
  const { validateJsonObject } = require('cfn-lint/lib/api.js');
  // The validator mutates what it is given.
  const result = validateJsonObject(structuredClone(template), {});
  return (['crit', 'warn'] as const).flatMap((level) =>
    (result.errors[level] as { message: string; resource: string }[]).map((finding) => ({
      level,
      message: finding.message,
      resource: finding.resource,
    })),
  );
};
