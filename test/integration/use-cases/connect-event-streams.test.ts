import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTwilioEventStreams } from '../../../lib/adapters/twilio/twilio-event-streams.ts';
import type { SinkTestIdReader } from '../../../lib/ports/event-streams.ts';
import {
  type CloudEvent,
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { connectEventStreams } from '../../../lib/use-cases/connect-event-streams.ts';

const KINESIS = {
  kind: 'kinesis' as const,
  arn: 'arn:aws:kinesis:us-east-1:123456789012:stream/twilio-events',
  roleArn: 'arn:aws:iam::123456789012:role/twilio-events',
  externalId: 'external-id-secret-1',
};

describe('connectEventStreams against the emulator (Kinesis sink: initialized until validated)', () => {
  let emulator: TwilioEmulator;
  /** What the stream received: the deployment's events function would log the test_id from it. */
  let stream: CloudEvent[];

  beforeEach(async () => {
    stream = [];
    emulator = await startTwilioEmulator({
      kinesisPublisher: async (_sink, events) => {
        stream.push(...events);
      },
    });
  });
  afterEach(() => emulator.close());

  const deps = (testIds?: SinkTestIdReader) => ({
    events: (accountSid: string, credentials: { username: string; password: string }) =>
      createTwilioEventStreams({ eventsBaseUrl: emulator.eventsBaseUrl, accountSid, credentials }),
    ...(testIds ? { testIds } : {}),
  });
  const plan = (extra: { testId?: string; dryRun?: boolean } = {}) => ({
    description: 'media-archive test',
    target: KINESIS,
    accounts: [
      {
        sid: emulator.accountSid,
        credentials: { username: emulator.accountSid, password: emulator.authToken },
      },
    ],
    dryRun: extra.dryRun ?? false,
    ...(extra.testId ? { testId: extra.testId } : {}),
  });
  const fromStream: SinkTestIdReader = {
    waitForTestId: async (accountSid) => {
      await emulator.flushEvents();
      const test = stream.find(
        (e) => e.type === 'com.twilio.eventstreams.test-event' && e.id === accountSid,
      );
      return test?.data.test_id as string | undefined;
    },
  };

  it('tests the new sink, validates it with the test_id the deployment received, then subscribes', async () => {
    // Prepare
    const lines: string[] = [];

    // Act
    const [result] = await connectEventStreams(deps(fromStream), plan(), (l) => lines.push(l));

    // Assess
    expect(result).toMatchObject({ sinkStatus: 'active', created: ['sink', 'subscription'] });
    expect(result?.problem).toBeUndefined();
    expect(emulator.sinks[0]?.status).toBe('active');
    expect(emulator.eventSubscriptions).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/sent a test event[\s\S]*validated sink/);
    expect(lines.join('\n')).not.toContain(KINESIS.externalId);
  });

  it('without a way to read the test_id, stops before subscribing and says how to finish; --test-id finishes', async () => {
    // Act
    const [stopped] = await connectEventStreams(deps(), plan(), () => undefined);
    await emulator.flushEvents();
    const testId = stream.find((e) => e.type === 'com.twilio.eventstreams.test-event')?.data
      .test_id as string;
    const [finished] = await connectEventStreams(deps(), plan({ testId }), () => undefined);

    // Assess
    expect(stopped?.problem).toContain('--test-id');
    expect(stopped?.created).toEqual(['sink']);
    expect(finished).toMatchObject({ sinkStatus: 'active', created: ['subscription'] });
    expect(finished?.problem).toBeUndefined();
    expect(emulator.sinks).toHaveLength(1);
  });

  it('a dry run masks the external id and makes no write', async () => {
    // Prepare
    const lines: string[] = [];

    // Act
    await connectEventStreams(deps(fromStream), plan({ dryRun: true }), (l) => lines.push(l));

    // Assess
    expect(lines.join('\n')).toContain('"external_id":"****"');
    expect(lines.join('\n')).not.toContain(KINESIS.externalId);
    expect(emulator.sinks).toEqual([]);
  });
});
