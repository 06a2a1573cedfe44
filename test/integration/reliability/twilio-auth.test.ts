import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededMedia } from '../../../lib/stand-ins/twilio-emulator.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { approximateCount, receiveAll, waitFor } from '../../helpers/local-sqs.ts';
import { readArchive, startTestStack } from '../../helpers/local-stack.ts';
import { makeSeedMedia } from '../../helpers/media-fixtures.ts';
import { postWebhookFor } from './audit.ts';
import { withFastTwilioRetries } from './fault-injector.ts';

const WRONG_SECRET = 'not-the-secret-0123456789abcdef';

describe('Twilio refuses the credentials (401)', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let output: ReturnType<typeof captureOutput>;
  let media: SeededMedia[];
  let dlq: Message[];

  beforeAll(async () => {
    // Prepare
    output = captureOutput();
    stack = await startTestStack(
      {
        decorateArchiverDeps: withFastTwilioRetries,
        // The webhook keeps the right token (signatures verify); the archiver's REST key is wrong.
        lambdaEnv: {
          TWILIO_API_KEY_SID: `SK${'0'.repeat(32)}`,
          TWILIO_API_KEY_SECRET: WRONG_SECRET,
        },
      },
      { LOCAL_VISIBILITY_TIMEOUT: '1' },
    );
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    const messages = [1, 2].map((n) =>
      emulator.addMessage({
        direction: 'inbound',
        media: [makeSeedMedia({ seed: n }), makeSeedMedia({ seed: n + 10, size: 4_000 })],
      }),
    );
    media = messages.flatMap((m) => m.media);

    // Act
    for (const message of messages) await postWebhookFor(stack, message);
    dlq = await waitFor(
      async () => {
        const count = await approximateCount(stack.sqs, stack.deadLetterQueueUrl);
        const queued = await approximateCount(stack.sqs, stack.queueUrl);
        return (
          count >= media.length && queued === 0 && receiveAll(stack.sqs, stack.deadLetterQueueUrl)
        );
      },
      { timeoutMs: 60_000, what: 'every job dead-lettered' },
    );
  });

  afterAll(async () => {
    await stack?.close();
    output?.restore();
  });

  it('deletes nothing at Twilio and writes nothing to S3', async () => {
    // Assess
    const requests = stack.emulator?.requests ?? [];
    expect(requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(requests.filter((r) => r.origin === 'cdn')).toEqual([]);
    expect(requests.some((r) => r.status === 401 && r.hadAuthorization)).toBe(true);
    for (const m of media) expect(stack.emulator?.hasMedia(m.sid)).toBe(true);
    expect(await readArchive(stack.s3, stack.bucket)).toEqual([]);
  });

  it('logs a clear configuration error on each attempt, without the secret', () => {
    // Assess
    const errors = output
      .records()
      .filter((r) => r.message === 'configuration error: Twilio refused the credentials');
    expect(errors.length).toBeGreaterThanOrEqual(media.length * 2);
    expect(errors[0]?.reason).toMatch(/401/);
    expect(output.text()).not.toContain(WRONG_SECRET);
  });

  it('retries each job and then dead-letters all of them with the reason: none lost', () => {
    // Assess
    const bodies = dlq.map((m) => JSON.parse(m.Body ?? '{}') as { mediaSid: string });
    // SQS is at-least-once: a job whose visibility ran out mid-attempt can be dead-lettered by two
    // overlapping attempts. What matters is that every job is there, none lost.
    expect([...new Set(bodies.map((b) => b.mediaSid))].sort()).toEqual(
      media.map((m) => m.sid).sort(),
    );
    for (const message of dlq) {
      expect(message.MessageAttributes?.ErrorName?.StringValue).toBe('TwilioAuthError');
      expect(message.MessageAttributes?.FailureReason?.StringValue).toMatch(
        /Twilio refused the credentials \(401\)/,
      );
    }
    const attempts = output
      .records()
      .filter((r) => r.error === 'TwilioAuthError')
      .map((r) => Number(r.attempt));
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(4);
  });
});
