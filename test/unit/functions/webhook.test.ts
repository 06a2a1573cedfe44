import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../../../lib/config/lambda.ts';
import { QueueUnavailableError } from '../../../lib/domain/errors.ts';
import { createWebhookHandler } from '../../../lib/handlers/webhook-handler.ts';
import { apiGatewayV2Event } from '../../helpers/api-gateway-event.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { FakeJobQueue } from '../../helpers/fake-job-queue.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import {
  buildMmsFields,
  type FormFields,
  signedWebhookEvent,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TEST_MESSAGE_SID,
  testMediaSid,
} from '../../helpers/twilio-webhook.ts';

const URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/twilio?tenant=acme';
const config: WebhookConfig = {
  accountSid: TEST_ACCOUNT_SID,
  authTokens: [TEST_AUTH_TOKEN],
  mediaQueueUrl: 'http://127.0.0.1:1/000000000000/media',
  archiveAddresses: false,
};
const threeMedia = (): FormFields =>
  buildMmsFields({
    body: 'secret body text',
    media: [
      { mediaSid: testMediaSid(1), contentType: 'image/jpeg' },
      { mediaSid: testMediaSid(2), contentType: 'image/png' },
      { mediaSid: testMediaSid(3), contentType: 'video/mp4' },
    ],
  });

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

const invoke = async (
  event: APIGatewayProxyEventV2,
  overrides: Partial<WebhookConfig> = {},
  queue = new FakeJobQueue(),
) => {
  const handler = createWebhookHandler({ queue, config: { ...config, ...overrides } });
  const response = await handler(event, lambdaContext());
  return { response, queue };
};

describe('webhook handler', () => {
  it('answers empty TwiML and enqueues one job per media for a signed MMS', async () => {
    // Prepare
    const event = signedWebhookEvent({
      url: URL,
      authToken: TEST_AUTH_TOKEN,
      fields: threeMedia(),
    });

    // Act
    const { response, queue } = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['Content-Type']).toBe('text/xml');
    expect(response.body).toBe('<Response/>');
    expect(queue.calls).toHaveLength(1);
    expect(queue.jobs.map((job) => job.mediaSid)).toEqual([1, 2, 3].map(testMediaSid));
  });

  it('reads base64-encoded bodies', async () => {
    // Prepare
    const event = signedWebhookEvent({
      url: URL,
      authToken: TEST_AUTH_TOKEN,
      fields: threeMedia(),
      base64: true,
    });

    // Act
    const { response, queue } = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(queue.jobs).toHaveLength(3);
  });

  it('hands the signature settings header to the check: a shared-key signature passes, a wrong one is 403', async () => {
    // Prepare
    const sharedKeys = new Map([[TEST_ACCOUNT_SID, new Map([['KS1', 'shared-secret']])]]);
    const fields = threeMedia();
    const event = (secret: string) =>
      signedWebhookEvent({
        url: URL,
        authToken: TEST_AUTH_TOKEN,
        fields,
        signature: twilio.getExpectedTwilioSignature(secret, URL, fields, 'HMAC_SHA256'),
        headers: { 'X-Twilio-Webhooks-Signature-Settings': 'key=KS1,algorithm=HMAC_SHA256' },
      });

    // Act
    const accepted = await invoke(event('shared-secret'), { sharedKeys });
    const refused = await invoke(event(TEST_AUTH_TOKEN), { sharedKeys });

    // Assess
    expect(accepted.response.statusCode).toBe(200);
    expect(accepted.queue.jobs).toHaveLength(3);
    expect(refused.response.statusCode).toBe(403);
    expect(refused.queue.calls).toEqual([]);
  });

  it('validates against PUBLIC_WEBHOOK_URL when set, not the URL the Lambda sees', async () => {
    // Prepare
    const publicUrl = 'https://hooks.example.com/twilio/incoming';
    const signedForPublic = signedWebhookEvent({
      url: URL,
      signedUrl: publicUrl,
      authToken: TEST_AUTH_TOKEN,
      fields: threeMedia(),
    });
    const signedForInternal = signedWebhookEvent({
      url: URL,
      authToken: TEST_AUTH_TOKEN,
      fields: threeMedia(),
    });

    // Act
    const accepted = await invoke(signedForPublic, { publicWebhookUrl: publicUrl });
    const refused = await invoke(signedForInternal, { publicWebhookUrl: publicUrl });

    // Assess
    expect(accepted.response.statusCode).toBe(200);
    expect(refused.response.statusCode).toBe(403);
    expect(refused.queue.calls).toEqual([]);
  });

  it('rebuilds the URL from x-forwarded-proto, host, rawPath and rawQueryString', async () => {
    // Prepare: Twilio signed the http URL it called, on a non-default port
    const url = 'http://localhost:3000/webhook?a=1&b=two%20words';
    const event = signedWebhookEvent({ url, authToken: TEST_AUTH_TOKEN, fields: threeMedia() });

    // Act
    const { response } = await invoke(event);

    // Assess
    expect(event.headers.host).toBe('localhost:3000');
    expect(response.statusCode).toBe(200);
  });

  it('answers a GET webhook with 405 and the fix: set the method to POST in Twilio', async () => {
    // Prepare: a GET as Twilio sends it, the fields in the query string, signed over the URL
    const fields = threeMedia();
    const url = `${URL}&${new URLSearchParams(fields as Record<string, string>).toString()}`;
    const event = signedWebhookEvent({
      url,
      authToken: TEST_AUTH_TOKEN,
      fields: {},
      method: 'GET',
    });

    // Act
    const { response, queue } = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(405);
    expect(response.body).toContain('set this webhook to HTTP POST in Twilio');
    expect(response.headers?.Allow).toBe('POST');
    expect(queue.calls).toEqual([]);
    expect(output.text()).toContain('GET webhook refused');
  });

  it.each(['GET', 'PUT', 'DELETE'])('answers 405 to %s', async (method) => {
    // Prepare
    const event = signedWebhookEvent({
      url: URL,
      authToken: TEST_AUTH_TOKEN,
      fields: threeMedia(),
      method,
    });

    // Act
    const { response, queue } = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(405);
    expect(response.headers?.Allow).toBe('POST');
    expect(queue.calls).toEqual([]);
  });

  it('answers 413 to a body over 64 KiB, even a correctly signed one', async () => {
    // Prepare
    const fields = { ...threeMedia(), Padding: 'x'.repeat(64 * 1024) };
    const event = signedWebhookEvent({ url: URL, authToken: TEST_AUTH_TOKEN, fields });

    // Act
    const { response, queue } = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(413);
    expect(queue.calls).toEqual([]);
  });

  it('counts the decoded size of a base64 body', async () => {
    // Prepare: 60 KiB of form, over 64 KiB once base64-encoded
    const fields = { ...threeMedia(), Padding: 'x'.repeat(60 * 1024) };
    const event = signedWebhookEvent({
      url: URL,
      authToken: TEST_AUTH_TOKEN,
      fields,
      base64: true,
    });
    const encodedLength = event.body?.length ?? 0;

    // Act
    const { response } = await invoke(event);

    // Assess
    expect(encodedLength).toBeGreaterThan(64 * 1024);
    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['a JSON body', 'application/json', JSON.stringify({ NumMedia: '0' })],
    ['no content type', '', 'NumMedia=0'],
    ['a form that does not parse', 'application/x-www-form-urlencoded', 'garbage'],
  ])('answers 400 to %s', async (_name, contentType, body) => {
    // Prepare
    const event = apiGatewayV2Event({
      url: URL,
      body,
      headers: { 'content-type': contentType, 'x-twilio-signature': 'x' },
    });

    // Act
    const { response, queue } = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('body is not form-encoded');
    expect(queue.calls).toEqual([]);
  });

  it('answers 400 with a one-line reason to signed but malformed fields', async () => {
    // Prepare
    const fields = { ...threeMedia(), NumMedia: '11' };
    const event = signedWebhookEvent({ url: URL, authToken: TEST_AUTH_TOKEN, fields });

    // Act
    const { response, queue } = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('NumMedia must be an integer in 0..10');
    expect(queue.calls).toEqual([]);
  });

  it.each([
    ['no signature', { signature: null }],
    ['a wrong signature', { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }],
    ['another token', { authToken: 'ffffffffffffffffffffffffffffffff' }],
  ])('answers 403 without echoing anything to %s', async (_name, variant) => {
    // Prepare
    const event = signedWebhookEvent({
      url: URL,
      authToken: TEST_AUTH_TOKEN,
      fields: threeMedia(),
      ...variant,
    });

    // Act
    const { response, queue } = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.body).toBe('Forbidden');
    expect(queue.calls).toEqual([]);
  });

  it('answers 403 to a signed webhook of another account', async () => {
    // Prepare
    const fields = buildMmsFields({ accountSid: `AC${'d'.repeat(32)}` });
    const event = signedWebhookEvent({ url: URL, authToken: TEST_AUTH_TOKEN, fields });

    // Act
    const { response, queue } = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(403);
    expect(queue.calls).toEqual([]);
  });

  it('answers 500 with no detail when the queue fails', async () => {
    // Prepare
    const queue = new FakeJobQueue();
    queue.failWith = new QueueUnavailableError('SQS refused 1 of 3 jobs');
    const event = signedWebhookEvent({
      url: URL,
      authToken: TEST_AUTH_TOKEN,
      fields: threeMedia(),
    });

    // Act
    const { response } = await invoke(event, {}, queue);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body ?? '').toBe('');
  });

  it('logs with MessageSid as correlation id and never the token, signature, addresses or body', async () => {
    // Prepare
    const signed = () =>
      signedWebhookEvent({ url: URL, authToken: TEST_AUTH_TOKEN, fields: threeMedia() });
    const accepted = signed();
    const refused = signedWebhookEvent({
      url: URL,
      authToken: 'ffffffffffffffffffffffffffffffff',
      fields: threeMedia(),
    });
    const failing = new FakeJobQueue();
    failing.failWith = new QueueUnavailableError('SQS down');

    // Act
    await invoke(accepted, { archiveAddresses: true });
    await invoke(refused);
    await invoke(signed(), {}, failing);

    // Assess
    const text = output.text();
    const records = output.records();
    expect(records.find((r) => r.message === 'webhook accepted')).toMatchObject({
      correlation_id: TEST_MESSAGE_SID,
    });
    expect(records.some((r) => r.message === 'webhook refused')).toBe(true);
    expect(records.some((r) => r.message === 'webhook failed')).toBe(true);
    for (const secret of [
      TEST_AUTH_TOKEN,
      accepted.headers['x-twilio-signature'],
      refused.headers['x-twilio-signature'],
      '4155550199',
      '4155550100',
      'secret body text',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  describe('refusal reasons', () => {
    const refusal = () => output.records().find((r) => r.message === 'webhook refused');

    it('logs a missing signature with the URL it was checked against, answers only Forbidden', async () => {
      // Prepare
      const event = signedWebhookEvent({
        url: URL,
        authToken: TEST_AUTH_TOKEN,
        fields: threeMedia(),
      });
      delete event.headers['x-twilio-signature'];
      // Act
      const { response } = await invoke(event, { publicWebhookUrl: URL });
      // Assess
      expect(response.statusCode).toBe(403);
      expect(response.body).toBe('Forbidden');
      expect(refusal()).toMatchObject({ statusCode: 403, error: 'SignatureMismatchError' });
      expect(String(refusal()?.reason)).toContain('X-Twilio-Signature missing');
      expect(String(refusal()?.reason)).toContain(
        'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/twilio?…',
      );
    });

    it('never logs the query of the webhook URL, which may be a shared secret', async () => {
      // Prepare
      const keyed = 'https://user:pw@hooks.example.com:8443/twilio/messages?key=s3cr3t-k3y';
      const missing = signedWebhookEvent({
        url: keyed,
        authToken: TEST_AUTH_TOKEN,
        fields: threeMedia(),
      });
      delete missing.headers['x-twilio-signature'];
      const wrong = signedWebhookEvent({
        url: keyed,
        authToken: 'another token',
        fields: threeMedia(),
      });

      // Act
      await invoke(missing, { publicWebhookUrl: keyed });
      await invoke(wrong, { publicWebhookUrl: keyed });

      // Assess
      const reasons = output
        .records()
        .filter((r) => r.message === 'webhook refused')
        .map((r) => String(r.reason));
      expect(reasons).toHaveLength(2);
      for (const reason of reasons) {
        expect(reason).toContain('https://hooks.example.com:8443/twilio/messages?…');
      }
      for (const secret of ['s3cr3t-k3y', 'key=', 'user:pw', 'pw@']) {
        expect(output.text()).not.toContain(secret);
      }
    });

    it('logs an invalid signature with the checked URL and the PUBLIC_WEBHOOK_URL hint', async () => {
      // Prepare: Twilio signed the tunnel URL, the handler checks another one
      const tunnel = 'https://tunnel.example.net/twilio/messages';
      const event = signedWebhookEvent({
        url: tunnel,
        authToken: TEST_AUTH_TOKEN,
        fields: threeMedia(),
      });
      // Act
      const { response } = await invoke(event, { publicWebhookUrl: URL });
      // Assess
      expect(response.body).toBe('Forbidden');
      const reason = String(refusal()?.reason);
      expect(reason).toContain(
        'X-Twilio-Signature invalid for https://abc123.execute-api.eu-west-1.amazonaws.com/prod/twilio?…:',
      );
      expect(reason).not.toContain('tenant=acme');
      expect(reason).toContain('PUBLIC_WEBHOOK_URL');
      expect(output.text()).not.toContain(event.headers['x-twilio-signature']);
    });

    it('logs a foreign account by its SID', async () => {
      // Prepare
      const foreign = `AC${'f'.repeat(32)}`;
      const event = signedWebhookEvent({
        url: URL,
        authToken: TEST_AUTH_TOKEN,
        fields: { ...threeMedia(), AccountSid: foreign },
      });
      // Act
      const { response } = await invoke(event, { publicWebhookUrl: URL });
      // Assess
      expect(response.body).toBe('Forbidden');
      expect(refusal()).toMatchObject({ error: 'ForeignAccountWebhookError' });
      expect(String(refusal()?.reason)).toContain(foreign);
    });

    it('logs which field is malformed', async () => {
      // Prepare
      const event = signedWebhookEvent({
        url: URL,
        authToken: TEST_AUTH_TOKEN,
        fields: { ...threeMedia(), NumMedia: 'many' },
      });
      // Act
      const { response } = await invoke(event, { publicWebhookUrl: URL });
      // Assess
      expect(response.statusCode).toBe(400);
      expect(String(refusal()?.reason)).toContain('NumMedia');
    });
  });
});
