import { createHash } from 'node:crypto';
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import {
  type FunctionConfiguration,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  createCloudFormationClient,
  createIamClient,
  createLambdaClient,
  createS3Client,
  createSqsClient,
  loadSsmClient,
} from '../compose/clients.ts';
import { readZip } from './zip.ts';

/** SDK clients pointed at the stand-in, with the rehearsal's dummy credentials. */
export interface StandInClients {
  cfn: CloudFormationClient;
  lambda: LambdaClient;
  iam: IAMClient;
  sqs: SQSClient;
  s3: S3Client;
  ssm: SSMClient;
}

export const createStandInClients = async (
  endpoint: string,
  region: string,
): Promise<StandInClients> => {
  const config = {
    endpoint,
    region,
    credentials: { accessKeyId: 'rehearsal', secretAccessKey: 'rehearsal' },
  };
  return {
    cfn: createCloudFormationClient(config),
    lambda: createLambdaClient(config),
    iam: createIamClient(config),
    sqs: createSqsClient(config),
    s3: createS3Client({ ...config, forcePathStyle: true }),
    ssm: await loadSsmClient(config),
  };
};

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation and IAM documents are arbitrary JSON.
export type Json = any;

export interface StackResource {
  logicalId: string;
  type: string;
  physicalId: string;
}

export interface DeployedStack {
  status: string;
  outputs: Record<string, string>;
  /** The template CloudFormation holds for the stack (what osls uploaded). */
  template: Json;
  resources: Map<string, StackResource>;
}

export const readStack = async (cfn: CloudFormationClient, stackName: string) => {
  const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  const stack = Stacks[0];
  const { TemplateBody = '{}' } = await cfn.send(new GetTemplateCommand({ StackName: stackName }));
  const resources = new Map<string, StackResource>();
  let token: string | undefined;
  do {
    const page = await cfn.send(
      new ListStackResourcesCommand({ StackName: stackName, NextToken: token }),
    );
    for (const summary of page.StackResourceSummaries ?? []) {
      // moto lists the resources it skipped with neither a logical nor a physical id.
      if (!summary.LogicalResourceId) continue;
      resources.set(summary.LogicalResourceId, {
        logicalId: summary.LogicalResourceId,
        type: summary.ResourceType ?? '',
        physicalId: summary.PhysicalResourceId ?? '',
      });
    }
    token = page.NextToken;
  } while (token);
  const outputs: Record<string, string> = {};
  for (const output of stack?.Outputs ?? []) {
    if (output.OutputKey && output.OutputValue) outputs[output.OutputKey] = output.OutputValue;
  }
  return {
    status: stack?.StackStatus ?? 'MISSING',
    outputs,
    template: JSON.parse(TemplateBody),
    resources,
  } satisfies DeployedStack;
};

export interface DeployedFunction {
  configuration: FunctionConfiguration;
  reservedConcurrency?: number;
  /** The unpacked package, verified against CodeSha256. */
  files: Map<string, Buffer>;
  sha256Matches: boolean;
  /** Where the code was read from, when moto's Code.Location could not be used as given. */
  codeSource: string;
}

/**
 * Reads a function's configuration and its code back. moto's Code.Location names a regional S3
 * host it does not serve; its path is the function's S3 key, so the package is read from the
 * bucket the template gave as Code.S3Bucket and checked against the CodeSha256 Lambda computed.
 */
export const readFunction = async (
  clients: StandInClients,
  stack: DeployedStack,
  logicalId: string,
): Promise<DeployedFunction> => {
  const physical = stack.resources.get(logicalId)?.physicalId;
  if (!physical) throw new Error(`${logicalId} was not created`);
  const answer = await clients.lambda.send(new GetFunctionCommand({ FunctionName: physical }));
  const configuration = answer.Configuration ?? {};
  const location = new URL(answer.Code?.Location ?? '');
  const key = decodeURIComponent(location.pathname.slice(1));
  const bucketRef = stack.template.Resources?.[logicalId]?.Properties?.Code?.S3Bucket;
  const bucket =
    typeof bucketRef === 'string' ? bucketRef : stack.resources.get(bucketRef?.Ref)?.physicalId;
  if (!bucket) throw new Error(`${logicalId}: no code bucket in the template`);
  const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const zip = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
  const sha256 = createHash('sha256').update(zip).digest('base64');
  const concurrency = await clients.lambda.send(
    new GetFunctionConcurrencyCommand({ FunctionName: physical }),
  );
  return {
    configuration,
    ...(concurrency.ReservedConcurrentExecutions !== undefined && {
      reservedConcurrency: concurrency.ReservedConcurrentExecutions,
    }),
    files: readZip(zip),
    sha256Matches: sha256 === configuration.CodeSha256,
    codeSource: `s3://${bucket}/${key}`,
  };
};

export const queueAttributes = async (sqs: SQSClient, queueUrl: string) => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return Attributes as Record<string, string>;
};

/**
 * moto returns inline role policies as a Python literal (single quotes, None for AWS::NoValue)
 * instead of URL-encoded JSON; both are read, and null list items (AWS::NoValue) dropped, as
 * CloudFormation drops them.
 */
export const parsePolicyDocument = (raw: string): { document: Json; pythonLiteral: boolean } => {
  const text = decodeURIComponent(raw);
  try {
    return { document: JSON.parse(text), pythonLiteral: false };
  } catch {
    const json = text
      .replace(/'/g, '"')
      .replace(/\bNone\b/g, 'null')
      .replace(/\bTrue\b/g, 'true')
      .replace(/\bFalse\b/g, 'false');
    return { document: JSON.parse(json), pythonLiteral: true };
  }
};

export interface PolicyStatement {
  effect: string;
  actions: string[];
  resources: string[];
  condition?: Json;
}

const asList = (value: Json): Json[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
    (item) => item !== null,
  );

export interface DeployedRole {
  name: string;
  trustedServices: string[];
  /** AWS principals trusted (Twilio's account for the Kinesis sink role). */
  trustedPrincipals: string[];
  /** `sts:ExternalId` values the trust requires. */
  externalIds: string[];
  statements: PolicyStatement[];
  pythonLiteral: boolean;
  droppedNoValue: boolean;
}

export const readRole = async (iam: IAMClient, roleArn: string): Promise<DeployedRole> => {
  const name = roleArn.split('/').pop() ?? roleArn;
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: name }));
  const trust = parsePolicyDocument(Role?.AssumeRolePolicyDocument ?? '{}').document;
  const trustedServices = asList(trust.Statement).flatMap((s: Json) =>
    s.Effect === 'Allow' ? asList(s.Principal?.Service) : [],
  );
  const trustedPrincipals = asList(trust.Statement).flatMap((s: Json) =>
    s.Effect === 'Allow' ? asList(s.Principal?.AWS) : [],
  );
  const externalIds = asList(trust.Statement).flatMap((s: Json) =>
    s.Effect === 'Allow' ? asList(s.Condition?.StringEquals?.['sts:ExternalId']) : [],
  );
  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: name }));
  const statements: PolicyStatement[] = [];
  let pythonLiteral = false;
  let droppedNoValue = false;
  for (const policyName of PolicyNames) {
    const { PolicyDocument = '{}' } = await iam.send(
      new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }),
    );
    const parsed = parsePolicyDocument(PolicyDocument);
    pythonLiteral ||= parsed.pythonLiteral;
    for (const statement of asList(parsed.document.Statement)) {
      const resources = Array.isArray(statement.Resource)
        ? statement.Resource
        : [statement.Resource];
      droppedNoValue ||= resources.includes(null);
      statements.push({
        effect: statement.Effect,
        actions: asList(statement.Action),
        resources: asList(statement.Resource),
        ...(statement.Condition ? { condition: statement.Condition } : {}),
      });
    }
  }
  return {
    name,
    trustedServices,
    trustedPrincipals,
    externalIds,
    statements,
    pythonLiteral,
    droppedNoValue,
  };
};
