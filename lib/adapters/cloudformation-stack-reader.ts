import {
  type CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { DeployedFunction, DeployedStack, StackReader } from '../doctor/ports.ts';

/**
 * A deployed stack as CloudFormation and Lambda report it: outputs, parameters, each function's
 * environment (where the SSM parameter names are) and the alarm resources' names.
 */
export const createCloudFormationStackReader = (clients: {
  cloudformation: CloudFormationClient;
  lambda: LambdaClient;
}): StackReader => ({
  async read(stackName) {
    let described: DescribeStacksCommandOutput;
    try {
      described = await clients.cloudformation.send(
        new DescribeStacksCommand({ StackName: stackName }),
      );
    } catch (error) {
      // CloudFormation answers a missing stack with a ValidationError, not a 404.
      if (/does not exist/.test((error as Error).message ?? '')) return undefined;
      throw error;
    }
    const stack = described.Stacks?.[0];
    if (!stack) return undefined;
    const outputs: Record<string, string> = {};
    for (const o of stack.Outputs ?? []) {
      if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
    }
    const parameters: Record<string, string> = {};
    for (const p of stack.Parameters ?? []) {
      if (p.ParameterKey && p.ParameterValue !== undefined)
        parameters[p.ParameterKey] = p.ParameterValue;
    }
    const functions: { logicalId: string; name: string }[] = [];
    const alarmNames: string[] = [];
    for await (const page of paginateListStackResources(
      { client: clients.cloudformation },
      { StackName: stackName },
    )) {
      for (const resource of page.StackResourceSummaries ?? []) {
        const { LogicalResourceId: logicalId, PhysicalResourceId: physical } = resource;
        if (!logicalId || !physical) continue;
        if (resource.ResourceType === 'AWS::Lambda::Function')
          functions.push({ logicalId, name: physical });
        if (resource.ResourceType === 'AWS::CloudWatch::Alarm') alarmNames.push(physical);
      }
    }
    const deployed: DeployedFunction[] = await Promise.all(
      functions.map(async ({ logicalId, name }) => {
        const config = await clients.lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName: name }),
        );
        return { logicalId, name, environment: { ...config.Environment?.Variables } };
      }),
    );
    const result: DeployedStack = {
      name: stack.StackName ?? stackName,
      status: stack.StackStatus ?? 'UNKNOWN',
      outputs,
      parameters,
      functions: deployed,
      alarmNames: alarmNames.sort(),
    };
    return result;
  },
});
