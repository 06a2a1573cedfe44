import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudWatchSinkTestIdReader } from '../../../lib/adapters/aws/cloudwatch-sink-test-ids.ts';
import { type MotoServer, startMoto } from '../../helpers/moto.ts';
import { MOTO_CREDENTIALS } from '../../helpers/moto-server.ts';

const GROUP = '/aws/lambda/twilio-media-archiver-dev-events';

describe('createCloudWatchSinkTestIdReader (moto_server Logs)', () => {
  let moto: MotoServer;
  let logs: CloudWatchLogsClient;

  beforeAll(async () => {
    moto = await startMoto();
    logs = new CloudWatchLogsClient({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: MOTO_CREDENTIALS,
    });
    await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 's1' }));
  }, 60_000);
  afterAll(async () => {
    logs?.destroy();
    await moto?.stop();
  });

  it('returns the newest test_id the events function logged since the test, and waits for none', async () => {
    // Prepare: an older test, an unrelated line, the current test
    const since = Date.now();
    const line = (message: string, extra: Record<string, unknown>) =>
      JSON.stringify({ level: 'INFO', message, service: 'twilio-media-archiver', ...extra });
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 's1',
        logEvents: [
          {
            timestamp: since - 60_000,
            message: line('sink test event received', { testId: 'old-test' }),
          },
          { timestamp: since + 1, message: line('events accepted', { testId: 'not-a-test-line' }) },
          {
            timestamp: since + 2,
            message: line('sink test event received', { testId: 'current-test' }),
          },
        ],
      }),
    );
    const reader = createCloudWatchSinkTestIdReader({ logs, logGroupName: GROUP, timeoutMs: 0 });

    // Act
    const found = await reader.waitForTestId(`AC${'a'.repeat(32)}`, new Date(since));
    const none = await reader.waitForTestId(`AC${'a'.repeat(32)}`, new Date(since + 10_000));

    // Assess
    expect(found).toBe('current-test');
    expect(none).toBeUndefined();
  });
});
