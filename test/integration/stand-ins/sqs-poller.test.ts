import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsPoller } from '../../../lib/stand-ins/sqs-poller.ts';
import { type LocalSqsServer, startLocalSqsServer } from '../../../lib/stand-ins/sqs-server.ts';
import {
  approximateCount,
  createQueueWithDlq,
  localSqsClient,
  receiveAll,
  waitFor,
} from '../../helpers/local-sqs.ts';

describe('startSqsPoller', () => {
  let server: LocalSqsServer;
  let client: SQSClient;

  beforeAll(async () => {
    server = await startLocalSqsServer();
    client = localSqsClient(server.endpoint);
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  const send = (queueUrl: string, bodies: string[]) =>
    client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );

  it('deletes successes, redelivers reported failures with a growing receive count', async () => {
    // Prepare
    const { queueUrl } = await createQueueWithDlq(client, 'partial', { visibilityTimeout: 2 });
    await send(queueUrl, ['ok-1', 'flaky', 'ok-2']);
    const seen: Array<{ body: string; receiveCount: string }> = [];
    const handler = async (event: SQSEvent) => {
      for (const r of event.Records) {
        seen.push({ body: r.body, receiveCount: r.attributes.ApproximateReceiveCount });
      }
      const failures = event.Records.filter(
        (r) => r.body === 'flaky' && r.attributes.ApproximateReceiveCount === '1',
      );
      return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
    };

    // Act
    const poller = startSqsPoller({ client, queueUrl, handler, visibilityTimeoutSeconds: 2 });
    await waitFor(async () => poller.stats.deleted === 3, { what: 'three deletions' });
    await poller.stop();

    // Assess
    expect(seen.filter((s) => s.body === 'flaky').map((s) => s.receiveCount)).toEqual(['1', '2']);
    expect(seen.filter((s) => s.body !== 'flaky')).toHaveLength(2);
    expect(seen[0]?.body).toBeDefined();
    expect(await approximateCount(client, queueUrl)).toBe(0);
  });

  it('gathers batches larger than one receive (as the mapping does with batchSize > 10) and deletes them all', async () => {
    // Prepare
    const { queueUrl } = await createQueueWithDlq(client, 'large-batches');
    const bodies = Array.from({ length: 25 }, (_, i) => `job-${i}`);
    for (let i = 0; i < bodies.length; i += 10) await send(queueUrl, bodies.slice(i, i + 10));
    const sizes: number[] = [];
    const handler = async (event: SQSEvent) => {
      sizes.push(event.Records.length);
      return { batchItemFailures: [] };
    };

    // Act
    const poller = startSqsPoller({ client, queueUrl, handler, batchSize: 20 });
    await waitFor(async () => poller.stats.deleted === 25, { what: '25 deletions' });
    await poller.stop();

    // Assess
    expect(sizes[0]).toBe(20);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(25);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20);
    expect(await approximateCount(client, queueUrl)).toBe(0);
  });

  it('deletes nothing when the handler throws, so the redrive policy dead-letters the batch', async () => {
    // Prepare
    const { queueUrl, dlqUrl } = await createQueueWithDlq(client, 'crashing', {
      visibilityTimeout: 2,
      maxReceiveCount: 2,
    });
    await send(queueUrl, ['poison']);
    let invocations = 0;
    const handler = async () => {
      invocations += 1;
      throw new Error('crash');
    };

    // Act
    const poller = startSqsPoller({
      client,
      queueUrl,
      handler,
      visibilityTimeoutSeconds: 2,
      onError: () => undefined,
    });
    const dead = await waitFor(
      async () => {
        const messages = await receiveAll(client, dlqUrl);
        return messages.length > 0 ? messages : undefined;
      },
      { what: 'the poison message in the DLQ' },
    );
    await poller.stop();

    // Assess
    expect(dead.map((m) => m.Body)).toEqual(['poison']);
    expect(invocations).toBe(2);
    expect(poller.stats.deleted).toBe(0);
  });

  it('treats a response naming unknown records as a failure of the whole batch', async () => {
    // Prepare
    const { queueUrl } = await createQueueWithDlq(client, 'bogus', { visibilityTimeout: 2 });
    await send(queueUrl, ['one']);
    let calls = 0;
    const handler = async (event: SQSEvent) => {
      calls += 1;
      if (calls === 1) return { batchItemFailures: [{ itemIdentifier: 'not-a-record' }] };
      return { batchItemFailures: [] as { itemIdentifier: string }[], seen: event.Records.length };
    };

    // Act
    const poller = startSqsPoller({ client, queueUrl, handler, visibilityTimeoutSeconds: 2 });
    await waitFor(async () => poller.stats.deleted === 1, { what: 'deletion after retry' });
    await poller.stop();

    // Assess
    expect(calls).toBe(2);
    expect(poller.stats.failedBatches).toBe(1);
  });
});
