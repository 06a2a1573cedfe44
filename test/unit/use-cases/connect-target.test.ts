import { describe, expect, it } from 'vitest';
import type { DeployedStack, ParameterReader } from '../../../lib/ports/doctor.ts';
import {
  ConnectTargetError,
  resolveDeployedTarget,
} from '../../../lib/use-cases/connect-target.ts';

const ACCOUNT = `AC${'a'.repeat(32)}`;
const EVENTS_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/twilio/events';
const PARAMS = {
  '/tma/dev/twilio-auth-token': 'main-token-123',
  '/tma/dev/event-sink-password': 'sink password/with:odd@chars',
  '/tma/dev/event-streams-external-id': 'external-id-456',
};

const stack = (intake: string, outputs: Record<string, string> = {}): DeployedStack => ({
  name: 'twilio-media-archiver-dev',
  status: 'CREATE_COMPLETE',
  outputs: {
    Intake: intake,
    EventsUrl: EVENTS_URL,
    EventStreamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/tma-dev-events',
    EventStreamRoleArn: 'arn:aws:iam::123456789012:role/tma-dev-twilio-events',
    EventStreamExternalIdParameter: '/tma/dev/event-streams-external-id',
    ...outputs,
  },
  parameters: { TwilioAccountSid: ACCOUNT },
  functions: [
    {
      logicalId: 'EventsLambdaFunction',
      name: 'tma-dev-events',
      environment: {
        TWILIO_AUTH_TOKEN_PARAMETER: '/tma/dev/twilio-auth-token',
        EVENT_SINK_USERNAME: 'twilio',
        EVENT_SINK_PASSWORD_PARAMETER: '/tma/dev/event-sink-password',
        TWILIO_SUBACCOUNTS: 'all',
      },
    },
  ],
  alarmNames: [],
});

const parameters: ParameterReader = {
  read: async (names) => ({
    found: names.flatMap((name) => {
      const value = PARAMS[name as keyof typeof PARAMS];
      return value === undefined ? [] : [{ name, type: 'SecureString', value }];
    }),
    missing: names.filter((name) => !(name in PARAMS)),
  }),
};

describe('resolveDeployedTarget', () => {
  it('puts the sink credentials, URL-encoded, in the webhook sink URL and reads the main token', async () => {
    // Act
    const resolved = await resolveDeployedTarget(stack('event-streams-webhook'), parameters);

    // Assess
    expect(resolved.target).toEqual({
      kind: 'webhook',
      destination: `https://twilio:${encodeURIComponent(PARAMS['/tma/dev/event-sink-password'])}@abc123.execute-api.eu-west-1.amazonaws.com/twilio/events`,
    });
    const url = new URL(resolved.target.kind === 'webhook' ? resolved.target.destination : '');
    expect(decodeURIComponent(url.password)).toBe(PARAMS['/tma/dev/event-sink-password']);
    expect(resolved.mainCredentials).toEqual({ username: ACCOUNT, password: 'main-token-123' });
    expect(resolved.scope).toEqual({ kind: 'all' });
    expect(resolved.eventsFunctionName).toBe('tma-dev-events');
  });

  it('takes the stream, the role and the external id for a Kinesis intake', async () => {
    // Act
    const resolved = await resolveDeployedTarget(
      stack('webhook,event-streams-kinesis'),
      parameters,
    );

    // Assess
    expect(resolved.target).toEqual({
      kind: 'kinesis',
      arn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/tma-dev-events',
      roleArn: 'arn:aws:iam::123456789012:role/tma-dev-twilio-events',
      externalId: 'external-id-456',
    });
  });

  it('asks for --sink when both sinks are deployed, and refuses a webhook-only stack', async () => {
    // Act
    const both = resolveDeployedTarget(
      stack('event-streams-webhook,event-streams-kinesis'),
      parameters,
    );
    const chosen = await resolveDeployedTarget(
      stack('event-streams-webhook,event-streams-kinesis'),
      parameters,
      'kinesis',
    );
    const webhookOnly = resolveDeployedTarget(stack('webhook'), parameters);

    // Assess
    await expect(both).rejects.toThrow(/--sink/);
    expect(chosen.target.kind).toBe('kinesis');
    await expect(webhookOnly).rejects.toBeInstanceOf(ConnectTargetError);
    await expect(webhookOnly).rejects.toThrow(/no Event Streams intake/);
  });

  it('refuses when the external id cannot be read', async () => {
    // Act
    const missing = resolveDeployedTarget(
      stack('event-streams-kinesis', { EventStreamExternalIdParameter: '/tma/dev/nope' }),
      parameters,
    );

    // Assess
    await expect(missing).rejects.toThrow(/external id/);
  });
});
