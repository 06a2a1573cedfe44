import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { type MotoServer, startMoto } from '../../helpers/moto.ts';
import { runMediaArchive } from '../../helpers/run-cli.ts';

const REGION = 'us-east-1';
const STAGE = `dis${Date.now().toString(36).slice(-6)}`;
const STACK = `twilio-media-archiver-${STAGE}`;
const EVENTS_URL = `https://abc123.execute-api.${REGION}.amazonaws.com/twilio/events`;
const TOKEN_PARAMETER = `/twilio-media-archiver/${STAGE}/twilio-auth-token`;
const SINK_PASSWORD_PARAMETER = `/twilio-media-archiver/${STAGE}/event-sink-password`;
const SINK_PASSWORD = 'deployed-sink-password-0123456789';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** The outputs and events function of an `intake=event-streams-webhook` stack, in miniature. */
const template = (accountSid: string) =>
  JSON.stringify({
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { TwilioAccountSid: { Type: 'String', Default: accountSid } },
    Resources: {
      FunctionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: `${STACK}-functions`,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'lambda.amazonaws.com' },
                Action: 'sts:AssumeRole',
              },
            ],
          },
        },
      },
      EventsLambdaFunction: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: `${STACK}-events`,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] },
          Code: { ZipFile: 'exports.handler = async () => ({});' },
          Environment: {
            Variables: {
              TWILIO_ACCOUNT_SID: { Ref: 'TwilioAccountSid' },
              TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_PARAMETER,
              EVENT_SINK_USERNAME: 'twilio',
              EVENT_SINK_PASSWORD_PARAMETER: SINK_PASSWORD_PARAMETER,
            },
          },
        },
      },
    },
    Outputs: {
      Intake: { Value: 'event-streams-webhook' },
      EventsUrl: { Value: EVENTS_URL },
    },
  });

describe('media-archive disconnect --stage against moto_server and the Twilio emulator', () => {
  let moto: MotoServer;
  let emulator: TwilioEmulator;

  const cli = (...args: string[]) =>
    runMediaArchive([...args, '--stage', STAGE, '--region', REGION], {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_PROFILE: undefined,
      TWILIO_API_BASE_URL: emulator.apiBaseUrl,
      TWILIO_EVENTS_BASE_URL: emulator.eventsBaseUrl,
    });

  beforeAll(async () => {
    [moto, emulator] = await Promise.all([startMoto(), startTwilioEmulator()]);
    const config = { endpoint: moto.endpoint, region: REGION, credentials: CREDENTIALS };
    const ssm = new SSMClient(config);
    const cfn = new CloudFormationClient(config);
    try {
      for (const [Name, Value] of [
        [TOKEN_PARAMETER, emulator.authToken],
        [SINK_PASSWORD_PARAMETER, SINK_PASSWORD],
      ] as const) {
        await ssm.send(new PutParameterCommand({ Name, Value, Type: 'SecureString' }));
      }
      await cfn.send(
        new CreateStackCommand({ StackName: STACK, TemplateBody: template(emulator.accountSid) }),
      );
      for (let tries = 0; ; tries += 1) {
        const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: STACK }));
        const status = Stacks?.[0]?.StackStatus ?? '';
        if (status === 'CREATE_COMPLETE') break;
        if (tries > 100 || /FAILED|ROLLBACK/.test(status)) throw new Error(`stack ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      ssm.destroy();
      cfn.destroy();
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all([moto?.stop(), emulator?.close()]);
  });

  it("removes the sink and subscription connect made from the stack's outputs and SSM, and only those", async () => {
    // Prepare
    const connected = await cli('connect');
    const other = emulator.sinks.length;
    const lookalike = await fetch(`${emulator.eventsBaseUrl}/v1/Sinks`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      // The stack's URL without its credentials: another sink, not this deployment's.
      body: new URLSearchParams({
        Description: `media-archive ${STACK}`,
        SinkType: 'webhook',
        SinkConfiguration: JSON.stringify({ destination: EVENTS_URL }),
      }).toString(),
    });
    const lookalikeSid = ((await lookalike.json()) as { sid: string }).sid;

    // Act
    const dryRun = await cli('disconnect', '--dry-run');
    const removed = await cli('disconnect', '--yes');
    const again = await cli('disconnect', '--yes');

    // Assess
    expect(connected.code).toBe(0);
    expect(other).toBe(1);
    expect(dryRun.stdout).toMatch(/^would delete\tDG[0-9a-f]{32}\tsink\t/m);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/^deleted\tDF[0-9a-f]{32}\tsubscription\tAC/m);
    expect(removed.stdout).toMatch(/^deleted\tDG[0-9a-f]{32}\tsink\tAC/m);
    expect(removed.stdout).toContain('twilio:****@abc123.execute-api');
    expect(dryRun.stdout + removed.stdout + removed.stderr).not.toContain(SINK_PASSWORD);
    expect(emulator.sinks.map((s) => s.sid)).toEqual([lookalikeSid]);
    expect(emulator.eventSubscriptions).toEqual([]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 subscription(s) and 0 sink(s) deleted');
  }, 60_000);
});
