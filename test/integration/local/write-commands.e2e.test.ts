import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStackFile } from '../../../lib/config/local-stack-files.ts';
import { type MediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';
import type { LocalStack } from '../../../lib/local/local-stack.ts';
import type { SeededMessage } from '../../../lib/stand-ins/twilio-emulator.ts';
import { incomingMessageFields, postSignedWebhook } from '../../../lib/stand-ins/webhook-client.ts';
import { approximateCount, waitFor } from '../../helpers/local-sqs.ts';
import { startTestStack } from '../../helpers/local-stack.ts';
import { makeMediaBody, sha256Hex } from '../../helpers/media-fixtures.ts';
import { runMediaArchive } from '../../helpers/run-cli.ts';

const DAY = 86_400_000;

/**
 * Every CLI command that writes (to S3, SQS or the emulator) run against the local stack, the way
 * a first-time user would after `npm start`: none may change a byte of what the archive holds.
 * `hold --local` once replaced every media and message.json with the <LegalHold> XML.
 */
describe('write-type CLI commands keep every archived object byte for byte (local stack)', () => {
  let stack: LocalStack & { dataDir: string };
  let archived: SeededMessage;
  let before: Map<string, string>;

  const cliEnv = () => {
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    return {
      TWILIO_ACCOUNT_SID: emulator.accountSid,
      TWILIO_AUTH_TOKEN: emulator.authToken,
      ARCHIVE_BUCKET: stack.bucket,
      LOCAL_S3_PORT: new URL(stack.s3Endpoint).port,
      LOCAL_SQS_PORT: new URL(stack.sqsEndpoint).port,
      LOCAL_TWILIO_PORT: new URL(emulator.apiBaseUrl).port,
      LOCAL_TWILIO_CDN_PORT: new URL(emulator.cdnBaseUrl).port,
      LOCAL_DATA_DIR: stack.dataDir,
      RECONCILE_MIN_AGE_MINUTES: '0',
    };
  };
  const cli = (args: string[]) => runMediaArchive([...args, '--local'], cliEnv(), stack.dataDir);

  /** Every object of the bucket (media, records, index markers, status) with its bytes' hash. */
  const snapshot = async (): Promise<Map<string, string>> => {
    const objects = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await stack.s3.send(
        new ListObjectsV2Command({ Bucket: stack.bucket, ContinuationToken: token }),
      );
      for (const { Key } of page.Contents ?? []) {
        if (!Key) continue;
        const object = await stack.s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key }));
        objects.set(
          Key,
          sha256Hex(await (object.Body?.transformToByteArray() ?? new Uint8Array())),
        );
      }
      token = page.NextContinuationToken;
    } while (token);
    return objects;
  };

  /** The objects of `before` whose bytes are now different or gone. */
  const changedSince = async (earlier: Map<string, string>): Promise<string[]> => {
    const now = await snapshot();
    return [...earlier].filter(([key, hash]) => now.get(key) !== hash).map(([key]) => key);
  };

  const drained = () =>
    waitFor(async () => (await approximateCount(stack.sqs, stack.queueUrl)) === 0, {
      timeoutMs: 60_000,
      what: 'the media queue drained',
    });

  beforeAll(async () => {
    // Prepare: one MMS archived through the webhook (media and message record)...
    stack = await startTestStack({}, { LOCAL_VISIBILITY_TIMEOUT: '1' });
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    archived = emulator.addMessage({
      direction: 'inbound',
      body: 'keep me',
      media: [
        { contentType: 'image/jpeg', body: makeMediaBody(4096, 11), filename: 'a.jpg' },
        { contentType: 'application/pdf', body: makeMediaBody(70_000, 12), filename: 'b.pdf' },
      ],
    });
    const answer = await postSignedWebhook({
      webhookUrl: stack.webhookUrl,
      authToken: stack.authToken,
      fields: incomingMessageFields({ accountSid: stack.accountSid, message: archived }),
    });
    expect(answer.status).toBe(200);
    await waitFor(
      async () =>
        archived.media.every((m) => !emulator.hasMedia(m.sid)) &&
        (await approximateCount(stack.sqs, stack.queueUrl)) === 0,
      { timeoutMs: 60_000, what: 'the MMS archived' },
    );
    // ...and a message still at Twilio that backfill and reconcile will find.
    emulator.addMessage({
      direction: 'inbound',
      media: [{ contentType: 'image/png', body: makeMediaBody(3000, 13) }],
    });
    // What `npm start` publishes for send-test.
    await writeStackFile(stack.dataDir, {
      pid: process.pid,
      webhookUrl: stack.webhookUrl,
      s3Endpoint: stack.s3Endpoint,
      bucket: stack.bucket,
      archivePrefix: stack.archivePrefix,
      accountSid: stack.accountSid,
      emulator: { apiBaseUrl: emulator.apiBaseUrl, authToken: stack.authToken },
    });
    before = await snapshot();
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('archived the media and the message record it protects (control)', () => {
    // Assess
    const keys = [...before.keys()];
    for (const media of archived.media) {
      const key = keys.find((k) => k.includes(`${archived.sid}/${media.sid}.`));
      expect(key).toBeDefined();
      expect(before.get(key as string)).toBe(media.sha256);
    }
    expect(keys.some((k) => k.includes('_records/') && k.endsWith(`/${archived.sid}.json`))).toBe(
      true,
    );
  });

  it.each([
    ['hold MM…', () => ['hold', archived.sid]],
    ['hold MM… --release', () => ['hold', archived.sid, '--release']],
    ['hold ME…', () => ['hold', archived.media[0]?.sid ?? '', '--message', archived.sid]],
  ])('%s refuses in one line (no Object Lock) and writes nothing', async (_name, args) => {
    // Act
    const result = await cli(args());

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('has no Object Lock');
    expect(await changedSince(before)).toEqual([]);
  });

  it('send-test archives its own message and changes nothing else', async () => {
    // Act
    const result = await cli(['send-test', '--timeout', '60']);

    // Assess
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(await changedSince(before)).toEqual([]);
  }, 90_000);

  it('backfill --direct and queued backfill change nothing archived', async () => {
    // Prepare
    const since = new Date(Date.now() - DAY).toISOString().slice(0, 10);

    // Act
    const direct = await cli(['backfill', '--since', since, '--direct', '--json']);
    const queued = await cli(['backfill', '--since', since, '--json']);
    await drained();

    // Assess
    expect(direct.code, direct.stderr).toBe(0);
    expect(queued.code, queued.stderr).toBe(0);
    expect(await changedSince(before)).toEqual([]);
  }, 120_000);

  it('reconcile changes nothing archived', async () => {
    // Act
    const result = await cli(['reconcile', '--days', '1', '--json']);
    await drained();

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(await changedSince(before)).toEqual([]);
  }, 90_000);

  it('redrive of jobs naming archived media changes nothing archived', async () => {
    // Prepare: dead letters for the archived MMS's media (already deleted at Twilio)
    const jobs: MediaJob[] = archived.media.map((media, index) => ({
      version: 1,
      accountSid: stack.accountSid,
      messageSid: archived.sid,
      mediaSid: media.sid,
      contentType: media.contentType,
      receivedAt: new Date().toISOString(),
      index,
      source: 'webhook',
    }));
    for (const job of jobs) {
      await stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.deadLetterQueueUrl,
          MessageBody: serializeMediaJob(job),
        }),
      );
    }

    // Act
    const result = await cli(['redrive', '--json']);
    await drained();

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(await changedSince(before)).toEqual([]);
  }, 120_000);

  it('export to a directory reads and changes nothing archived', async () => {
    // Prepare
    const day = new Date().toISOString().slice(0, 10);
    const out = join(stack.dataDir, 'exports');
    await mkdir(out, { recursive: true });

    // Act
    const result = await cli(['export', '--date', day, '-o', join(out, 'day.zip'), '--json']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(await changedSince(before)).toEqual([]);
  }, 60_000);
});
