import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTwilioEventStreams,
  EventStreamsRequestError,
} from '../../../lib/adapters/twilio/twilio-event-streams.ts';
import {
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { connectEventStreams } from '../../../lib/use-cases/connect-event-streams.ts';
import { disconnectEventStreams } from '../../../lib/use-cases/disconnect-event-streams.ts';

const TARGET = {
  kind: 'webhook' as const,
  destination: 'http://twilio-events:sink-secret@127.0.0.1:9/twilio/events',
};

describe('disconnectEventStreams over HTTP against the emulator (events v1 DELETEs)', () => {
  let emulator: TwilioEmulator;

  beforeEach(async () => {
    emulator = await startTwilioEmulator();
  });
  afterEach(() => emulator.close());

  const client = () =>
    createTwilioEventStreams({
      eventsBaseUrl: emulator.eventsBaseUrl,
      accountSid: emulator.accountSid,
      credentials: { username: emulator.accountSid, password: emulator.authToken },
    });
  const main = () => ({
    sid: emulator.accountSid,
    credentials: { username: emulator.accountSid, password: emulator.authToken },
  });

  it('removes what connect created and keeps a sink of another app', async () => {
    // Prepare
    const deps = { events: () => client() };
    await connectEventStreams(
      deps,
      { description: 'media-archive test', target: TARGET, accounts: [main()], dryRun: false },
      () => {},
    );
    const other = await client().createSink('another app', {
      kind: 'webhook',
      destination: 'http://127.0.0.1:9/other-app',
    });

    // Act
    const [result] = await disconnectEventStreams(
      deps,
      { target: TARGET, accounts: [main()], dryRun: false },
      () => {},
    );

    // Assess
    expect(result?.removed.map((r) => [r.kind, r.outcome])).toEqual([
      ['subscription', 'deleted'],
      ['sink', 'deleted'],
    ]);
    expect(emulator.sinks.map((s) => s.sid)).toEqual([other.sid]);
    expect(emulator.eventSubscriptions).toEqual([]);
    expect(
      emulator.requests
        .filter((r) => r.origin === 'events' && r.method === 'DELETE')
        .map((r) => [r.path.split('/')[2], r.status]),
    ).toEqual([
      ['Subscriptions', 204],
      ['Sinks', 204],
    ]);
  });

  it('the adapter reads 404 on DELETE as gone, and a sink in use as a refusal', async () => {
    // Prepare
    const events = client();
    const sink = await events.createSink('media-archive test', TARGET);
    await events.createSubscription('media-archive test', sink.sid, [
      { type: 'com.twilio.messaging.inbound-message.received', schemaVersion: 1 },
    ]);

    // Act
    const inUse = await events.deleteSink(sink.sid).catch((error: unknown) => error);
    const unknown = await events.deleteSubscription(`DF${'0'.repeat(32)}`);
    const unknownSink = await events.deleteSink(`DG${'0'.repeat(32)}`);

    // Assess
    expect(inUse).toBeInstanceOf(EventStreamsRequestError);
    expect((inUse as Error).message).toContain('code 91007');
    expect(unknown).toBe('gone');
    expect(unknownSink).toBe('gone');
    expect(emulator.sinks.map((s) => s.sid)).toEqual([sink.sid]);
  });
});
