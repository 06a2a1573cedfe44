import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTwilioMediaSource } from '../../../lib/adapters/twilio/twilio-media-source.ts';
import { allowedAccountPredicate } from '../../../lib/compose/lambda.ts';
import type { ArchiverConfig } from '../../../lib/config/lambda.ts';
import { ForeignAccountError } from '../../../lib/domain/errors.ts';
import { serializeMediaJob } from '../../../lib/domain/media-job.ts';
import { mediaResourcePath } from '../../../lib/domain/sids.ts';
import { createArchiverHandler } from '../../../lib/handlers/archiver-handler.ts';
import { FakeArchiveStore, FakeDeadLetter, FakeMediaSource } from '../../helpers/fake-ports.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import { makeMediaBody } from '../../helpers/media-fixtures.ts';
import {
  ACCOUNT_SID,
  mediaJobFactory,
  sqsEventFactory,
  sqsRecordFactory,
} from '../../helpers/sqs-event.ts';

const SUB = `AC${'5'.repeat(32)}`;
const OUTSIDE = `AC${'6'.repeat(32)}`;

describe('the archiver with TWILIO_SUBACCOUNTS', () => {
  let spoolDir: string;
  let config: ArchiverConfig;

  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'archiver-subaccounts-'));
    config = {
      accountSid: ACCOUNT_SID,
      subaccounts: { kind: 'list', sids: [SUB] },
      archiveBucket: 'archive',
      archivePrefix: 'media/',
      credentials: { username: ACCOUNT_SID, password: 'token' },
      twilioApiBaseUrl: 'https://api.twilio.com',
      twilioMediaOrigins: ['https://mms.twiliocdn.com'],
      maxMediaBytes: 1024,
      deleteAfterArchive: true,
      s3ForcePathStyle: false,
      concurrency: 2,
      notFoundAttempts: 3,
      maxReceiveCount: 5,
      deadLetterQueueUrl: 'https://sqs.local/dlq',
      retryBackoffSeconds: 30,
      spoolDir,
    };
  });

  afterEach(async () => {
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('archives and deletes an allowed subaccount’s job, dead-letters one outside the set', async () => {
    // Prepare
    const source = new FakeMediaSource();
    const store = new FakeArchiveStore();
    const deadLetter = new FakeDeadLetter();
    source.fetchAnswers.push({ body: makeMediaBody(100) });
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const handler = createArchiverHandler({
      config,
      isAllowedAccount: allowedAccountPredicate(config.accountSid, config.subaccounts),
      source,
      store,
      deadLetter,
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      metrics,
    });
    const served = mediaJobFactory({ accountSid: SUB });
    const outside = mediaJobFactory({ accountSid: OUTSIDE });

    // Act
    const response = await handler(
      sqsEventFactory([
        sqsRecordFactory(serializeMediaJob(served), { messageId: 'served' }),
        sqsRecordFactory(serializeMediaJob(outside), { messageId: 'outside' }),
      ]),
      lambdaContext(),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect([...store.objects.keys()].every((key) => key.startsWith(`media/${SUB}/`))).toBe(true);
    expect(source.deleted.map((ref) => ref.accountSid)).toEqual([SUB]);
    expect(deadLetter.sent).toEqual([
      {
        body: serializeMediaJob(outside),
        reason: 'job belongs to an account this deployment does not serve',
        errorName: 'ForeignAccountError',
      },
    ]);
  });

  it('sends the main credentials to an allowed subaccount’s paths and refuses any other account', async () => {
    // Prepare
    const seen: Array<{ url: string; authorization: string | null }> = [];
    const fetch = (async (input: string | URL, init?: RequestInit) => {
      seen.push({
        url: String(input),
        authorization: new Headers(init?.headers).get('authorization'),
      });
      return new Response(null, { status: 204 });
    }) as typeof globalThis.fetch;
    const source = createTwilioMediaSource({
      apiBaseUrl: 'https://api.example.test',
      accountSid: ACCOUNT_SID,
      isAllowedAccount: allowedAccountPredicate(ACCOUNT_SID, config.subaccounts),
      credentials: config.credentials,
      mediaOrigins: ['https://cdn.example.test'],
      fetch,
    });
    const ref = (accountSid: string) => ({
      accountSid,
      messageSid: `MM${'2'.repeat(32)}`,
      mediaSid: `ME${'3'.repeat(32)}`,
    });

    // Act
    const deleted = await source.deleteMedia(ref(SUB));
    const refused = source.deleteMedia(ref(OUTSIDE));

    // Assess
    expect(deleted).toBe('deleted');
    await expect(refused).rejects.toBeInstanceOf(ForeignAccountError);
    expect(seen).toEqual([
      {
        // The DELETE goes to the `.json` form, so a refusal's code is readable.
        url: `https://api.example.test${mediaResourcePath(SUB, `MM${'2'.repeat(32)}`, `ME${'3'.repeat(32)}`)}.json`,
        authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:token`).toString('base64')}`,
      },
    ]);
  });
});
