import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  SeededMedia,
  SeededMessage,
  TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { randomSid } from '../../../lib/stand-ins/twilio-emulator.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { receiveAll } from '../../helpers/local-sqs.ts';
import { startTestStack } from '../../helpers/local-stack.ts';
import { makeSeedMedia } from '../../helpers/media-fixtures.ts';
import {
  type AuditSummary,
  attachS3AckLog,
  auditArchive,
  postWebhookFor,
  type S3AckLog,
  waitUntilSettled,
} from './audit.ts';
import { type CrashPoint, createFaultInjector } from './fault-injector.ts';

describe('fault injection through the local stack', () => {
  const injector = createFaultInjector();
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let emulator: TwilioEmulator;
  let acks: S3AckLog;
  let seed = 100;
  let output: ReturnType<typeof captureOutput>;

  const seedMessage = (sizes: number[]): SeededMessage =>
    emulator.addMessage({
      direction: 'inbound',
      media: sizes.map((size) => {
        seed += 1;
        return makeSeedMedia({ size, seed, contentType: seed % 2 ? 'image/jpeg' : 'image/png' });
      }),
    });

  const settle = (media: readonly SeededMedia[], what: string) =>
    waitUntilSettled(stack, () => media.every((m) => !emulator.hasMedia(m.sid)), {
      timeoutMs: 45_000,
      what,
    });

  const deadLettered = async (sids: readonly string[]) =>
    (await receiveAll(stack.sqs, stack.deadLetterQueueUrl)).filter((m) =>
      sids.some((sid) => m.Body?.includes(sid)),
    );

  /** The guarantee every case must end with. */
  const expectArchivedOnceThenDeleted = (audit: AuditSummary, options: { onePut: boolean }) => {
    expect(audit.archived).toBe(audit.expected);
    expect(audit.duplicates).toBe(0);
    expect(audit.deletesBeforeVerified).toBe(0);
    expect(audit.deleted).toBe(audit.expected);
    for (const media of audit.media) {
      expect(media.deletes).toBe(1);
      if (options.onePut) expect(media.puts).toBe(1);
    }
  };

  beforeAll(async () => {
    // The archiver logs every injected failure; keep CI output readable.
    output = captureOutput();
    stack = await startTestStack(injector.hooks, {
      LOCAL_VISIBILITY_TIMEOUT: '1',
      NOT_FOUND_ATTEMPTS: '3',
    });
    if (!stack.emulator) throw new Error('demo mode expected');
    emulator = stack.emulator;
    acks = attachS3AckLog(stack.s3);
  });

  afterAll(async () => {
    await stack?.close();
    output?.restore();
  });

  const crashCases: Array<{ point: CrashPoint; title: string }> = [
    { point: 'after-headers', title: 'after the Twilio response headers' },
    { point: 'mid-body', title: 'in the middle of the body stream' },
    { point: 'after-upload', title: 'after the S3 upload, before the Twilio DELETE' },
    { point: 'after-delete', title: 'after the Twilio DELETE, before the SQS message is deleted' },
  ];

  for (const { point, title } of crashCases) {
    it(`a crash ${title} ends with every media archived once, deleted after its PUT`, async () => {
      // Prepare
      const message = seedMessage([300_000, 2_048, 70_000]);
      injector.arm(
        message.media.map((m) => m.sid),
        point,
      );

      // Act
      await postWebhookFor(stack, message);
      await settle(message.media, `recovery from a crash ${title}`);
      const audit = await auditArchive(stack, message.media, acks);

      // Assess
      expect(injector.pending()).toEqual([]);
      expect(injector.fired.filter((f) => f.point === point)).toHaveLength(3);
      expectArchivedOnceThenDeleted(audit, { onePut: true });
      expect(await deadLettered(message.media.map((m) => m.sid))).toEqual([]);
    });
  }

  it('the same webhook delivered twice archives and deletes each media once', async () => {
    // Prepare
    const message = seedMessage([5_000, 6_000, 7_000]);

    // Act
    await postWebhookFor(stack, message);
    await postWebhookFor(stack, message);
    await settle(message.media, 'both deliveries of the webhook');
    const audit = await auditArchive(stack, message.media, acks);

    // Assess
    expectArchivedOnceThenDeleted(audit, { onePut: false });
    expect(await deadLettered(message.media.map((m) => m.sid))).toEqual([]);
  });

  it('every SQS message delivered twice (concurrently) archives and deletes each media once', async () => {
    // Prepare
    const message = seedMessage([40_000, 1_000, 90_000, 12_345]);
    injector.setDuplicateDelivery(true);

    // Act
    try {
      await postWebhookFor(stack, message);
      await settle(message.media, 'duplicate SQS deliveries');
    } finally {
      injector.setDuplicateDelivery(false);
    }
    const audit = await auditArchive(stack, message.media, acks);

    // Assess
    expectArchivedOnceThenDeleted(audit, { onePut: false });
    const deletes = emulator.requests.filter(
      (r) =>
        r.origin === 'api' &&
        r.method === 'DELETE' &&
        message.media.some((m) => m.sid === r.mediaSid),
    );
    // Both invocations reached the DELETE (one 204, the other 404 = already gone) or skipped it.
    expect(deletes.length).toBeGreaterThanOrEqual(message.media.length);
    expect(await deadLettered(message.media.map((m) => m.sid))).toEqual([]);
  });

  it('a media that stays 404 is dead-lettered with its reason after NOT_FOUND_ATTEMPTS', async () => {
    // Prepare
    const real = seedMessage([3_000]);
    const ghostSid = randomSid('ME');
    const realMedia = real.media[0] as SeededMedia;
    const withGhost: SeededMessage = {
      sid: real.sid,
      media: [
        realMedia,
        {
          ...realMedia,
          sid: ghostSid,
          path: realMedia.path.replace(realMedia.sid, ghostSid),
          url: realMedia.url.replace(realMedia.sid, ghostSid),
        },
      ],
    };

    // Act
    await postWebhookFor(stack, withGhost);
    await settle(real.media, 'the real media archived and the ghost dead-lettered');
    const dlq = await deadLettered([ghostSid]);
    const audit = await auditArchive(stack, real.media, acks);

    // Assess
    expectArchivedOnceThenDeleted(audit, { onePut: true });
    expect(dlq).toHaveLength(1);
    expect(dlq[0]?.MessageAttributes?.ErrorName?.StringValue).toBe('MediaNotFoundError');
    // ApproximateReceiveCount is approximate (local-aws-sqs may count a receive twice): the
    // verdict comes on the first receive counted ≥ NOT_FOUND_ATTEMPTS.
    const reason = dlq[0]?.MessageAttributes?.FailureReason?.StringValue ?? '';
    expect(reason).toMatch(/^Twilio answered 404 on attempt [345] and no archived copy exists$/);
    const ghostRequests = emulator.requests.filter((r) => r.mediaSid === ghostSid);
    expect(ghostRequests.filter((r) => r.method === 'DELETE')).toEqual([]);
    // Each receive asks once and re-asks after each of the two propagation waits.
    const notFound = ghostRequests.filter((r) => r.method === 'GET' && r.status === 404);
    expect(notFound.length % 3).toBe(0);
    expect(notFound.length).toBeGreaterThanOrEqual(6);
  });
});
