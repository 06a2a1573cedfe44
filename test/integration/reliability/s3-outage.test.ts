import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededMedia } from '../../../lib/stand-ins/twilio-emulator.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { approximateCount } from '../../helpers/local-sqs.ts';
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
import { withFastTwilioRetries } from './fault-injector.ts';

/** How long S3 refuses every call: shorter than the receives a job has (5 × 2 s visibility). */
const OUTAGE_MS = 2_500;

describe('S3 unavailable for a window', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let output: ReturnType<typeof captureOutput>;
  let media: SeededMedia[];
  let audit: AuditSummary;
  let acks: S3AckLog;
  const outage = { on: false, refused: 0, start: 0, end: 0 };

  beforeAll(async () => {
    // Prepare
    output = captureOutput();
    stack = await startTestStack(
      { decorateArchiverDeps: withFastTwilioRetries },
      { LOCAL_VISIBILITY_TIMEOUT: '2' },
    );
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    // Every S3 call of the archiver (and of this test) fails while the flag is set, before any
    // byte leaves the client: what an S3 outage looks like from the SDK.
    stack.s3.middlewareStack.add(
      (next) => async (args) => {
        if (outage.on) {
          outage.refused += 1;
          throw Object.assign(new Error('injected S3 outage'), {
            name: 'ServiceUnavailable',
            $metadata: { httpStatusCode: 503 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectS3Outage' },
    );
    acks = attachS3AckLog(stack.s3);
    const messages = [1, 2, 3].map((n) =>
      emulator.addMessage({
        direction: 'inbound',
        media: [0, 1, 2].map((i) => makeSeedMedia({ size: 10_000 * (n + i), seed: 10 * n + i })),
      }),
    );
    media = messages.flatMap((m) => m.media);

    // Act
    outage.on = true;
    outage.start = Date.now();
    for (const message of messages) await postWebhookFor(stack, message);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    outage.end = Date.now();
    outage.on = false;
    await waitUntilSettled(stack, () => media.every((m) => !emulator.hasMedia(m.sid)), {
      what: 'recovery after the S3 outage',
    });
    audit = await auditArchive(stack, media, acks);
  });

  afterAll(async () => {
    await stack?.close();
    output?.restore();
  });

  it('really refused S3 calls during the window', () => {
    // Assess
    expect(outage.refused).toBeGreaterThanOrEqual(media.length);
  });

  it('sends no DELETE to Twilio while S3 is down', () => {
    // Assess
    const deletes = (stack.emulator?.requests ?? []).filter((r) => r.method === 'DELETE');
    expect(deletes.filter((r) => r.at >= outage.start && r.at <= outage.end)).toEqual([]);
  });

  it('archives every media exactly once afterwards and deletes it only after its PUT', () => {
    // Assess
    expect(audit.archived).toBe(media.length);
    expect(audit.duplicates).toBe(0);
    expect(audit.deletesBeforeVerified).toBe(0);
    expect(audit.deleted).toBe(media.length);
    for (const m of audit.media) expect(m.deletes).toBe(1);
  });

  it('loses nothing to the dead-letter queue', async () => {
    // Assess
    expect(await approximateCount(stack.sqs, stack.deadLetterQueueUrl)).toBe(0);
  });
});
