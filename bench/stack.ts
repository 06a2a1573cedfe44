import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import { MEDIA_JOB_VERSION, type MediaJob } from '../lib/domain/media-job.ts';
import { startFauxqsServer } from '../lib/local/fauxqs-server.ts';
import type { LocalS3Server } from '../lib/local/s3-server.ts';
import {
  type SeededMedia,
  startTwilioEmulator,
  type TwilioEmulator,
} from '../lib/local/twilio-emulator.ts';
import { makeMediaBody } from '../test/helpers/media-fixtures.ts';
import { sqsRecordFactory } from '../test/helpers/sqs-event.ts';
import { createCountingS3Client } from './s3-client.ts';

export const BUCKET = 'bench-archive';
/** Twilio's limit per MMS, and the batch size of the archiver's event source mapping. */
export const BATCH_SIZE = 10;

export interface BenchStack {
  emulator: TwilioEmulator;
  s3Server: LocalS3Server;
  /** The archiver's environment (readArchiverConfig input) for this stack. */
  archiverEnv: Record<string, string>;
  /** S3 request counts by HTTP method, after a clean reset (IPC keeps the order). */
  resetS3Counts(): Promise<void>;
  close(): Promise<void>;
}

export const startBenchStack = async (): Promise<BenchStack> => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-s3-'));
  const spoolDir = await mkdtemp(join(tmpdir(), 'bench-spool-'));
  const s3Server = await startFauxqsServer({ directory: dir });
  const emulator = await startTwilioEmulator();
  const setup = createCountingS3Client(s3Server.endpoint);
  await setup.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  setup.client.destroy();
  return {
    emulator,
    s3Server,
    archiverEnv: {
      TWILIO_ACCOUNT_SID: emulator.accountSid,
      TWILIO_AUTH_TOKEN: emulator.authToken,
      TWILIO_API_BASE_URL: emulator.apiBaseUrl,
      TWILIO_MEDIA_ORIGINS: emulator.cdnBaseUrl,
      ARCHIVE_BUCKET: BUCKET,
      S3_FORCE_PATH_STYLE: 'true',
      SPOOL_DIR: spoolDir,
    },
    resetS3Counts: async () => {
      s3Server.resetRequestCounts();
      await s3Server.requestCounts();
    },
    close: async () => {
      await emulator.close();
      await s3Server.close();
      await rm(dir, { recursive: true, force: true });
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
};

/** One size's body, built once: the emulator keeps a reference per media, not a copy. */
const bodies = new Map<number, Buffer>();
const bodyOf = (size: number) => {
  let body = bodies.get(size);
  if (!body) {
    body = makeMediaBody(size, size);
    bodies.set(size, body);
  }
  return body;
};

/** Seeds `count` media of `size` bytes at the emulator, as messages of up to 10 media each. */
export const seedMedia = (
  emulator: TwilioEmulator,
  size: number,
  count: number,
): SeededMedia[][] => {
  const messages: SeededMedia[][] = [];
  for (let left = count; left > 0; left -= BATCH_SIZE) {
    const n = Math.min(BATCH_SIZE, left);
    const body = bodyOf(size);
    const message = emulator.addMessage({
      media: Array.from({ length: n }, () => ({ contentType: 'image/jpeg', body })),
    });
    messages.push(message.media);
  }
  return messages;
};

export const jobOf = (accountSid: string, media: SeededMedia, index: number): MediaJob => ({
  version: MEDIA_JOB_VERSION,
  accountSid,
  messageSid: media.messageSid,
  mediaSid: media.sid,
  contentType: media.contentType,
  receivedAt: new Date().toISOString(),
  index,
  source: 'webhook',
});

/** One SQS batch per message, as the webhook enqueues them (index = N of MediaUrlN). */
export const recordBatches = (
  accountSid: string,
  messages: SeededMedia[][],
  receiveCount = 1,
): SQSRecord[][] =>
  messages.map((media) =>
    media.map((item, index) =>
      sqsRecordFactory(JSON.stringify(jobOf(accountSid, item, index)), { receiveCount }),
    ),
  );
