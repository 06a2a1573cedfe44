import { describe, expect, it } from 'vitest';
import {
  PermanentError,
  QueueUnavailableError,
  TwilioUnavailableError,
} from '../../../lib/domain/errors.ts';
import { parseMediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';
import {
  type ReceiveEventsDeps,
  receiveEvent,
  receiveEventBatch,
  receiveStreamRecords,
} from '../../../lib/use-cases/receive-events.ts';
import { FakeJobQueue } from '../../helpers/fake-job-queue.ts';
import { FakeMessageCatalog, fakeTwilioMessage } from '../../helpers/fake-message-catalog.ts';
import { recordingLogger } from '../../helpers/fake-ports.ts';
import {
  inboundMessageReceivedEvent,
  outboundFinalEvent,
  outboundMessageStatusEvent,
  sinkTestEvent,
} from '../../helpers/twilio-cloud-events.ts';
import { TEST_ACCOUNT_SID, TEST_MESSAGE_SID, testMediaSid } from '../../helpers/twilio-webhook.ts';

const SUB = 'AC11111111111111111111111111111111';
const FOREIGN = 'AC22222222222222222222222222222222';
const OUTBOUND_SID = 'MM00000000000000000000000000000002';

const eventsFixture = (options: { served?: string[] } = {}) => {
  const catalogs = new Map<string, FakeMessageCatalog>([
    [
      TEST_ACCOUNT_SID,
      new FakeMessageCatalog(TEST_ACCOUNT_SID, [
        fakeTwilioMessage({ numMedia: 2 }),
        fakeTwilioMessage({ sid: OUTBOUND_SID, direction: 'outbound-api', status: 'delivered' }, 1),
      ]),
    ],
    [SUB, new FakeMessageCatalog(SUB, [fakeTwilioMessage({}, 1)])],
    [FOREIGN, new FakeMessageCatalog(FOREIGN, [fakeTwilioMessage({}, 1)])],
  ]);
  const served = new Set([TEST_ACCOUNT_SID, ...(options.served ?? [])]);
  const queue = new FakeJobQueue();
  const log = recordingLogger();
  const deps: ReceiveEventsDeps = {
    catalogFor: (sid) => catalogs.get(sid) as FakeMessageCatalog,
    isServedAccount: (sid) => served.has(sid),
    queue,
    logger: log as unknown as ReceiveEventsDeps['logger'],
  };
  const main = catalogs.get(TEST_ACCOUNT_SID) as FakeMessageCatalog;
  return { deps, queue, catalogs, main, log };
};

describe('receiveEvent', () => {
  it('enqueues one job per media of an inbound message, in the webhook job format', async () => {
    // Prepare
    const { deps, queue } = eventsFixture();
    // Act
    const outcome = await receiveEvent(deps, inboundMessageReceivedEvent({ numMedia: 2 }));
    // Assess
    expect(outcome.outcome).toBe('enqueued');
    expect(queue.jobs.map((job) => job.mediaSid)).toEqual([testMediaSid(1), testMediaSid(2)]);
    const job = queue.jobs[0];
    expect(job).toMatchObject({
      version: 1,
      accountSid: TEST_ACCOUNT_SID,
      messageSid: TEST_MESSAGE_SID,
      contentType: 'image/jpeg',
      receivedAt: '2026-12-08T00:59:59.000Z',
      index: 0,
      source: 'events',
      message: { direction: 'inbound', numSegments: 1 },
    });
    // What the archiver reads back is what was sent.
    expect(parseMediaJob(serializeMediaJob(job as never))).toEqual(job);
  });

  it('archives outbound media after a final status, with the real direction', async () => {
    const { deps, queue } = eventsFixture();
    const outcome = await receiveEvent(
      deps,
      outboundFinalEvent('com.twilio.messaging.message.delivered', { messageSid: OUTBOUND_SID }),
    );
    expect(outcome.outcome).toBe('enqueued');
    expect(queue.jobs).toHaveLength(1);
    expect(queue.jobs[0]?.message?.direction).toBe('outbound-api');
  });

  it('never enqueues media of an outbound message Twilio still shows in flight', async () => {
    // Prepare: a reordered "delivered" event arrives while the resource still says sending.
    const { deps, queue, main } = eventsFixture();
    const entry = main.messages.get(OUTBOUND_SID);
    if (entry) entry.message.status = 'sending';
    // Act
    const outcome = await receiveEvent(
      deps,
      outboundFinalEvent('com.twilio.messaging.message.delivered', { messageSid: OUTBOUND_SID }),
    );
    // Assess
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'message not final yet' });
    expect(queue.jobs).toEqual([]);
    expect(main.calls).not.toContain(`listMedia ${TEST_ACCOUNT_SID} ${OUTBOUND_SID}`);
  });

  it.each(['queued', 'sent'] as const)('asks Twilio nothing for a %s event', async (status) => {
    const { deps, queue, main } = eventsFixture();
    const outcome = await receiveEvent(
      deps,
      outboundMessageStatusEvent(status, { messageSid: OUTBOUND_SID }),
    );
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'message not final yet' });
    expect(main.calls).toEqual([]);
    expect(queue.jobs).toEqual([]);
  });

  it('asks Twilio nothing for an inbound event without media', async () => {
    const { deps, main } = eventsFixture();
    const outcome = await receiveEvent(deps, inboundMessageReceivedEvent({ numMedia: 0 }));
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'no media' });
    expect(main.calls).toEqual([]);
  });

  it('skips events of an account not served, with no Twilio call', async () => {
    const { deps, catalogs, queue } = eventsFixture();
    const outcome = await receiveEvent(deps, inboundMessageReceivedEvent({ accountSid: FOREIGN }));
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'account not served' });
    expect(catalogs.get(FOREIGN)?.calls).toEqual([]);
    expect(queue.jobs).toEqual([]);
  });

  it("archives a served subaccount's media from that account's resources", async () => {
    const { deps, queue, catalogs } = eventsFixture({ served: [SUB] });
    await receiveEvent(deps, inboundMessageReceivedEvent({ accountSid: SUB, numMedia: 1 }));
    expect(queue.jobs.map((job) => job.accountSid)).toEqual([SUB]);
    expect(catalogs.get(SUB)?.calls).toHaveLength(2);
  });

  it('skips a message whose media are gone (archived already: a late duplicate)', async () => {
    const { deps, queue, main } = eventsFixture();
    const entry = main.messages.get(TEST_MESSAGE_SID);
    if (entry) entry.media = [];
    const outcome = await receiveEvent(deps, inboundMessageReceivedEvent({ numMedia: 2 }));
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'no media left at Twilio' });
    expect(queue.jobs).toEqual([]);
  });

  it('skips a message Twilio no longer has', async () => {
    const { deps } = eventsFixture();
    const outcome = await receiveEvent(
      deps,
      inboundMessageReceivedEvent({ messageSid: 'MM0000000000000000000000000000000f' }),
    );
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'message no longer at Twilio' });
  });

  it('drops an unreadable event with its reason, and a permanent Twilio answer', async () => {
    const { deps, main } = eventsFixture();
    const bad = inboundMessageReceivedEvent({ id: 'EZbad' });
    bad.data.messageSid = 'nope';
    expect(await receiveEvent(deps, bad)).toMatchObject({
      outcome: 'dropped',
      eventId: 'EZbad',
      reason: expect.stringContaining('bad messageSid'),
    });
    main.failWith = new PermanentError('Twilio answered 400');
    expect(await receiveEvent(deps, inboundMessageReceivedEvent())).toMatchObject({
      outcome: 'dropped',
      reason: 'Twilio answered 400',
    });
  });

  it('throws what a retry may cure: Twilio unavailable, the queue down', async () => {
    const { deps, main, queue } = eventsFixture();
    main.failWith = new TwilioUnavailableError('503');
    await expect(receiveEvent(deps, inboundMessageReceivedEvent())).rejects.toThrow(
      TwilioUnavailableError,
    );
    main.failWith = undefined;
    queue.failWith = new QueueUnavailableError('down');
    await expect(receiveEvent(deps, inboundMessageReceivedEvent())).rejects.toThrow(
      QueueUnavailableError,
    );
  });

  it('logs the test_id of a sink test event and enqueues nothing', async () => {
    const { deps, queue, log } = eventsFixture();
    const outcome = await receiveEvent(deps, sinkTestEvent({ testId: 'tid-1' }));
    expect(outcome.outcome).toBe('skipped');
    expect(JSON.stringify(log.lines)).toContain('tid-1');
    expect(queue.jobs).toEqual([]);
  });
});

describe('receiveEventBatch', () => {
  it('gives duplicated events identical jobs (one archive key per media)', async () => {
    // Prepare: Twilio delivers the same event twice, and a second event type for the message.
    const { deps, queue } = eventsFixture();
    const event = inboundMessageReceivedEvent({ numMedia: 2 });
    // Act
    await receiveEventBatch(deps, [event, event]);
    // Assess
    const [first, second] = queue.calls;
    expect(first).toEqual(second);
  });

  it('fails the whole request when one event fails in a retryable way', async () => {
    const { deps, catalogs } = eventsFixture({ served: [SUB] });
    (catalogs.get(SUB) as FakeMessageCatalog).failWith = new TwilioUnavailableError('503');
    await expect(
      receiveEventBatch(deps, [
        inboundMessageReceivedEvent(),
        inboundMessageReceivedEvent({ accountSid: SUB }),
      ]),
    ).rejects.toThrow(TwilioUnavailableError);
  });
});

describe('receiveStreamRecords', () => {
  const record = (sequenceNumber: string, payload: unknown) => ({
    sequenceNumber,
    data: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

  it('drops records that can never be read and processes the rest', async () => {
    const { deps, queue, log } = eventsFixture();
    const result = await receiveStreamRecords(deps, [
      record('1', 'not json'),
      record('2', { hello: 'world' }),
      record('3', inboundMessageReceivedEvent({ numMedia: 2 })),
    ]);
    expect(result.batchItemFailures).toEqual([]);
    expect(queue.jobs).toHaveLength(2);
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['dropped', 'dropped', 'enqueued']);
    expect(JSON.stringify(log.lines)).toContain('body is not JSON');
  });

  it('accepts a record holding an array of events', async () => {
    const { deps, queue } = eventsFixture();
    const result = await receiveStreamRecords(deps, [
      record('1', [
        inboundMessageReceivedEvent(),
        outboundFinalEvent('com.twilio.messaging.message.read', { messageSid: OUTBOUND_SID }),
      ]),
    ]);
    expect(result.batchItemFailures).toEqual([]);
    expect(queue.jobs).toHaveLength(3);
  });

  it('reports the first record that fails and stops there', async () => {
    // Prepare: the second record names a subaccount whose Twilio calls fail.
    const { deps, queue, catalogs } = eventsFixture({ served: [SUB] });
    (catalogs.get(SUB) as FakeMessageCatalog).failWith = new TwilioUnavailableError('503');
    // Act
    const result = await receiveStreamRecords(deps, [
      record('100', inboundMessageReceivedEvent()),
      record('200', inboundMessageReceivedEvent({ accountSid: SUB })),
      record(
        '300',
        outboundFinalEvent('com.twilio.messaging.message.failed', { messageSid: OUTBOUND_SID }),
      ),
    ]);
    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '200' }]);
    expect(queue.jobs.map((job) => job.messageSid)).toEqual([TEST_MESSAGE_SID, TEST_MESSAGE_SID]);
  });
});

describe('receiveEventBatch concurrency', () => {
  it(`asks Twilio about at most ${8} events at once, and keeps the outcomes in event order`, async () => {
    // Prepare: a catalog that counts requests in flight.
    const { deps } = eventsFixture();
    let inFlight = 0;
    let peak = 0;
    const inner = deps.catalogFor(TEST_ACCOUNT_SID);
    deps.catalogFor = () => ({
      ...inner,
      getMessage: async (sid: string) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return inner.getMessage(sid);
      },
      listMedia: (sid: string) => inner.listMedia(sid),
      listMessages: () => inner.listMessages({ day: '2026-01-01', pageSize: 1 }),
    });
    const events = Array.from({ length: 30 }, (_, i) =>
      inboundMessageReceivedEvent({ id: `EZ${i}`, numMedia: 2 }),
    );

    // Act
    const outcomes = await receiveEventBatch(deps, events);

    // Assess
    expect(peak).toBe(8);
    expect(outcomes.map((outcome) => outcome.eventId)).toEqual(events.map((event) => event.id));
  });
});
