import { describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../../../lib/config/lambda.ts';
import { QueueUnavailableError } from '../../../lib/domain/errors.ts';
import {
  ForeignAccountWebhookError,
  InvalidWebhookError,
  SignatureMismatchError,
} from '../../../lib/domain/webhook-errors.ts';
import { receiveWebhook } from '../../../lib/use-cases/receive-webhook.ts';
import { FakeJobQueue } from '../../helpers/fake-job-queue.ts';
import {
  buildMmsFields,
  type FormFields,
  signWebhook,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  testMediaSid,
} from '../../helpers/twilio-webhook.ts';

const URL = 'https://hooks.example.com/twilio/incoming';
const OTHER_ACCOUNT = `AC${'e'.repeat(32)}`;
const NOW = new Date('2025-06-01T12:00:00.000Z');
const config: WebhookConfig = {
  accountSid: TEST_ACCOUNT_SID,
  authTokens: [TEST_AUTH_TOKEN],
  mediaQueueUrl: 'http://127.0.0.1:1/000000000000/media',
  archiveAddresses: false,
};

const setup = (overrides: Partial<WebhookConfig> = {}) => {
  const queue = new FakeJobQueue();
  return { queue, deps: { queue, config: { ...config, ...overrides }, now: () => NOW } };
};
const twoMedia = (accountSid = TEST_ACCOUNT_SID): FormFields =>
  buildMmsFields({
    accountSid,
    media: [
      { mediaSid: testMediaSid(1), contentType: 'image/jpeg' },
      { mediaSid: testMediaSid(2), contentType: 'image/heic' },
    ],
  });
const signed = (fields: FormFields, token = TEST_AUTH_TOKEN) => ({
  url: URL,
  fields,
  signature: signWebhook(URL, token, fields),
});

describe('receiveWebhook', () => {
  it('enqueues every media of a signed message in one call, stamped with the arrival time', async () => {
    // Prepare
    const { queue, deps } = setup();

    // Act
    const jobs = await receiveWebhook(deps, signed(twoMedia()));

    // Assess
    expect(queue.calls).toHaveLength(1);
    expect(queue.jobs).toEqual(jobs);
    expect(jobs.map((job) => [job.mediaSid, job.receivedAt])).toEqual([
      [testMediaSid(1), NOW.toISOString()],
      [testMediaSid(2), NOW.toISOString()],
    ]);
  });

  it('does not call the queue for a message without media', async () => {
    // Prepare
    const { queue, deps } = setup();

    // Act
    const jobs = await receiveWebhook(deps, signed(buildMmsFields({ media: [] })));

    // Assess
    expect(jobs).toEqual([]);
    expect(queue.calls).toEqual([]);
  });

  it('accepts the previous token during a rotation', async () => {
    // Prepare
    const previous = 'abcdefabcdefabcdefabcdefabcdefab';
    const { queue, deps } = setup({ authTokens: [TEST_AUTH_TOKEN, previous] });

    // Act
    await receiveWebhook(deps, signed(twoMedia(), previous));

    // Assess
    expect(queue.jobs).toHaveLength(2);
  });

  it('puts addresses on jobs only when configured to', async () => {
    // Prepare
    const { queue, deps } = setup({ archiveAddresses: true });

    // Act
    await receiveWebhook(deps, signed(twoMedia()));

    // Assess
    expect(queue.jobs[0]).toMatchObject({ from: '+14155550199', to: '+14155550100' });
  });

  it.each([
    ['missing', undefined],
    ['wrong', 'bm90IGEgc2lnbmF0dXJlIGF0IGFsbA=='],
  ])('refuses a %s signature with 403 before looking at the content', async (_name, signature) => {
    // Prepare: content that would also be a 400
    const { queue, deps } = setup();
    const fields = { ...twoMedia(), NumMedia: 'lots' };

    // Act
    const result = receiveWebhook(deps, { url: URL, fields, signature });

    // Assess
    await expect(result).rejects.toBeInstanceOf(SignatureMismatchError);
    await expect(result).rejects.toMatchObject({ statusCode: 403 });
    expect(queue.calls).toEqual([]);
  });

  it('refuses a signature over another URL', async () => {
    // Prepare
    const { queue, deps } = setup();
    const fields = twoMedia();
    const signature = signWebhook(
      'https://elsewhere.example/twilio/incoming',
      TEST_AUTH_TOKEN,
      fields,
    );

    // Act
    const result = receiveWebhook(deps, { url: URL, fields, signature });

    // Assess
    await expect(result).rejects.toBeInstanceOf(SignatureMismatchError);
    expect(queue.calls).toEqual([]);
  });

  it('refuses a correctly signed webhook of another account with 403', async () => {
    // Prepare
    const { queue, deps } = setup();

    // Act
    const result = receiveWebhook(deps, signed(twoMedia(OTHER_ACCOUNT)));

    // Assess
    await expect(result).rejects.toBeInstanceOf(ForeignAccountWebhookError);
    await expect(result).rejects.toMatchObject({ statusCode: 403 });
    expect(queue.calls).toEqual([]);
  });

  it('refuses signed but malformed content with 400', async () => {
    // Prepare
    const { queue, deps } = setup();
    const fields = { ...twoMedia(), NumMedia: '3' };

    // Act
    const result = receiveWebhook(deps, signed(fields));

    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidWebhookError);
    expect(queue.calls).toEqual([]);
  });

  it('lets a queue failure through so the webhook answers 5xx', async () => {
    // Prepare
    const { queue, deps } = setup();
    queue.failWith = new QueueUnavailableError('SQS down');

    // Act
    const result = receiveWebhook(deps, signed(twoMedia()));

    // Assess
    await expect(result).rejects.toBeInstanceOf(QueueUnavailableError);
  });
});
