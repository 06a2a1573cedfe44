import { type AccountScope, parseAccountScope } from '../domain/account-scope.ts';
import type { TwilioCredentials } from '../domain/twilio-credentials.ts';
import type { DeployedStack, ParameterReader } from '../ports/doctor.ts';
import type { EventSinkTarget } from '../ports/event-streams.ts';

/** What `connect` needs of a deployed stack, read from its outputs, functions and SSM. */
export interface DeployedConnectTarget {
  target: EventSinkTarget;
  mainAccountSid: string;
  mainCredentials: TwilioCredentials;
  scope: AccountScope;
  /** The events function's name: its log holds a sink test's test_id. */
  eventsFunctionName: string;
}

export class ConnectTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectTargetError';
  }
}

/** Logical id serverless.yml gives the events function. */
const EVENTS_FUNCTION = 'EventsLambdaFunction';

/**
 * The sink this stack deployed (the `Intake` output and infra/event-streams.yml's outputs): the
 * webhook sink URL with the Basic credentials the events function expects in its userinfo, or
 * the Kinesis stream, Twilio's role and the external id. With both deployed, `sink` chooses.
 */
export const resolveDeployedTarget = async (
  stack: DeployedStack,
  parameters: ParameterReader,
  sink?: 'webhook' | 'kinesis',
): Promise<DeployedConnectTarget> => {
  const intake = (stack.outputs.Intake ?? 'webhook').split(',').map((t) => t.trim());
  const offered = [
    ...(intake.includes('event-streams-webhook') ? (['webhook'] as const) : []),
    ...(intake.includes('event-streams-kinesis') ? (['kinesis'] as const) : []),
  ];
  if (offered.length === 0) {
    throw new ConnectTargetError(
      `${stack.name} deploys no Event Streams intake (Intake=${intake.join(',')}): deploy with --param="intake=event-streams-webhook" or event-streams-kinesis`,
    );
  }
  const kind = sink ?? (offered.length === 1 ? offered[0] : undefined);
  if (!kind) throw new ConnectTargetError('this stack deploys both sinks: choose one with --sink');
  if (!(offered as readonly string[]).includes(kind)) {
    throw new ConnectTargetError(
      `${stack.name} does not deploy a ${kind} sink (Intake=${intake.join(',')})`,
    );
  }
  const events = stack.functions.find((f) => f.logicalId === EVENTS_FUNCTION);
  if (!events) throw new ConnectTargetError(`${stack.name} has no function ${EVENTS_FUNCTION}`);
  const env = events.environment;
  const mainAccountSid = stack.parameters.TwilioAccountSid ?? env.TWILIO_ACCOUNT_SID ?? '';
  if (!mainAccountSid) throw new ConnectTargetError('the stack names no Twilio account');
  const tokenName = env.TWILIO_AUTH_TOKEN_PARAMETER?.trim();
  const names = [
    ...(tokenName ? [tokenName] : []),
    ...(kind === 'webhook' && env.EVENT_SINK_PASSWORD_PARAMETER?.trim()
      ? [env.EVENT_SINK_PASSWORD_PARAMETER.trim()]
      : []),
    ...(kind === 'kinesis' && stack.outputs.EventStreamExternalIdParameter
      ? [stack.outputs.EventStreamExternalIdParameter]
      : []),
  ];
  const { found } = await parameters.read(names);
  const value = (name: string | undefined) =>
    found.find((p) => p.name === name)?.value || undefined;
  const token = value(tokenName);
  // Events v1 resources belong to the credential's account, so the main account's auth token
  // (an API key of the main account would do too) creates the main account's sink.
  if (!token)
    throw new ConnectTargetError(
      `cannot read the auth token (${tokenName ?? 'no TWILIO_AUTH_TOKEN_PARAMETER'}) from SSM`,
    );
  let target: EventSinkTarget;
  if (kind === 'webhook') {
    const url = stack.outputs.EventsUrl;
    const username = env.EVENT_SINK_USERNAME?.trim();
    const password = value(env.EVENT_SINK_PASSWORD_PARAMETER?.trim());
    if (!url || !username || !password) {
      throw new ConnectTargetError(
        'the webhook sink needs the EventsUrl output, EVENT_SINK_USERNAME and the sink password in SSM',
      );
    }
    const destination = new URL(url);
    destination.username = encodeURIComponent(username);
    destination.password = encodeURIComponent(password);
    target = { kind: 'webhook', destination: destination.toString() };
  } else {
    const arn = stack.outputs.EventStreamArn;
    const roleArn = stack.outputs.EventStreamRoleArn;
    const externalId = value(stack.outputs.EventStreamExternalIdParameter);
    if (!arn || !roleArn || !externalId) {
      throw new ConnectTargetError(
        'the Kinesis sink needs the EventStreamArn and EventStreamRoleArn outputs and the external id in SSM',
      );
    }
    target = { kind: 'kinesis', arn, roleArn, externalId };
  }
  return {
    target,
    eventsFunctionName: events.name,
    mainAccountSid,
    mainCredentials: { username: mainAccountSid, password: token },
    scope: parseAccountScope(
      stack.functions.map((f) => f.environment.TWILIO_SUBACCOUNTS).find((v) => v !== undefined),
    ),
  };
};
