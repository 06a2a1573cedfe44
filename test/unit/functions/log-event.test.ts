import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ArchiverConfig } from '../../../lib/config/lambda.ts';
import { serializeMediaJob } from '../../../lib/domain/media-job.ts';
import { createArchiverHandler } from '../../../lib/handlers/archiver-handler.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { FakeJobQueue } from '../../helpers/fake-job-queue.ts';
import { FakeArchiveStore, FakeDeadLetter, FakeMediaSource } from '../../helpers/fake-ports.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import {
  ACCOUNT_SID,
  mediaJobFactory,
  sqsEventFactory,
  sqsRecordFactory,
} from '../../helpers/sqs-event.ts';
import {
  buildMmsFields,
  signedWebhookEvent,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  testMediaSid,
} from '../../helpers/twilio-webhook.ts';

const FROM = '+14155550123';
const TO = '+14155550987';
const BODY = 'a-very-private-message-body-2718281828';

/**
 * POWERTOOLS_LOGGER_LOG_EVENT=true makes Powertools log every invocation's event, which for the
 * webhook holds X-Twilio-Signature, From, To and Body. Every handler pins `logEvent: false`.
 */
describe('POWERTOOLS_LOGGER_LOG_EVENT=true', () => {
  let output: ReturnType<typeof captureOutput>;

  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    vi.resetModules();
    output = captureOutput();
  });

  afterEach(() => {
    output.restore();
    vi.unstubAllEnvs();
  });

  it('the webhook handler logs neither the signature, From, To nor Body', async () => {
    // Prepare: the module-wide Logger is built with the variable set.
    const { createWebhookHandler } = await import('../../../lib/handlers/webhook-handler.ts');
    const url = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/twilio';
    const event = signedWebhookEvent({
      url,
      authToken: TEST_AUTH_TOKEN,
      fields: buildMmsFields({
        from: FROM,
        to: TO,
        body: BODY,
        media: [{ mediaSid: testMediaSid(1), contentType: 'image/jpeg' }],
      }),
    });
    const signature = event.headers['x-twilio-signature'] as string;
    const handler = createWebhookHandler({
      queue: new FakeJobQueue(),
      config: {
        accountSid: TEST_ACCOUNT_SID,
        authTokens: [TEST_AUTH_TOKEN],
        mediaQueueUrl: 'http://127.0.0.1:1/000000000000/media',
        archiveAddresses: true,
        publicWebhookUrl: url,
      },
    });

    // Act
    const response = await handler(event, lambdaContext());

    // Assess
    expect(response.statusCode).toBe(200);
    const text = output.text();
    expect(text).toContain('webhook accepted');
    expect(text).not.toContain('Lambda invocation event');
    for (const secret of [signature, BODY, FROM.slice(1), TO.slice(1)]) {
      expect(text).not.toContain(secret);
    }
  });

  it('the archiver handler does not log the SQS records (phone numbers with ARCHIVE_ADDRESSES)', async () => {
    // Prepare: a Logger built with the variable set, as the Lambda's would be.
    const spoolDir = await mkdtemp(join(tmpdir(), 'log-event-'));
    const source = new FakeMediaSource();
    source.fetchAnswers.push(new Error('not reached: the job is refused first'));
    const deadLetter = new FakeDeadLetter();
    const config: ArchiverConfig = {
      accountSid: ACCOUNT_SID,
      archiveBucket: 'archive',
      archivePrefix: 'media/',
      credentials: { username: ACCOUNT_SID, password: 'token' },
      twilioApiBaseUrl: 'https://api.twilio.com',
      twilioMediaOrigins: ['https://mms.twiliocdn.com'],
      maxMediaBytes: 1024,
      deleteAfterArchive: true,
      s3ForcePathStyle: false,
      concurrency: 1,
      notFoundAttempts: 3,
      maxReceiveCount: 5,
      deadLetterQueueUrl: 'https://sqs.local/dlq',
      retryBackoffSeconds: 0,
      spoolDir,
    };
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const handler = createArchiverHandler({
      config,
      source,
      store: new FakeArchiveStore(),
      deadLetter,
      logger: new Logger({ serviceName: 'test' }),
      metrics,
    });
    // Another account: refused before any request, so the run logs one line of its own.
    const job = mediaJobFactory({ accountSid: `AC${'9'.repeat(32)}`, from: FROM, to: TO });

    // Act
    try {
      await handler(sqsEventFactory([sqsRecordFactory(serializeMediaJob(job))]), lambdaContext());
    } finally {
      await rm(spoolDir, { recursive: true, force: true });
    }

    // Assess
    const text = output.text();
    expect(deadLetter.sent).toHaveLength(1);
    expect(text).toContain('job failed permanently');
    expect(text).not.toContain('Lambda invocation event');
    for (const number of [FROM, TO]) expect(text).not.toContain(number.slice(1));
  });
});
