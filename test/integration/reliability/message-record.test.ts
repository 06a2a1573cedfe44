import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsJobQueue } from '../../../lib/adapters/sqs/sqs-job-queue.ts';
import { runCli } from '../../../lib/cli/main.ts';
import { createCatalogFor, presenceFor } from '../../../lib/compose/reconcile.ts';
import { readArchiverConfig } from '../../../lib/config/lambda.ts';
import type { MediaJob } from '../../../lib/domain/media-job.ts';
import { parseMessageRecord } from '../../../lib/domain/message-record.ts';
import type { SeededMessage, TwilioEmulator } from '../../../lib/stand-ins/twilio-emulator.ts';
import { backfill } from '../../../lib/use-cases/backfill/backfill.ts';
import { createQueueSink } from '../../../lib/use-cases/backfill/job-sinks.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { startTestStack } from '../../helpers/local-stack.ts';
import { makeSeedMedia } from '../../helpers/media-fixtures.ts';
import { attachS3AckLog, auditArchive, postWebhookFor, waitUntilSettled } from './audit.ts';

const BODY = 'Claim 4711: photos of the damage attached';
const FROM = '+14155550123';

/** When the S3 client got each successful PutObject answer for a message record, by message SID. */
const attachRecordAckLog = (s3: S3Client) => {
  const acks = new Map<string, number>();
  const conditions: unknown[] = [];
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const key = (args.input as { Key?: unknown }).Key;
      if (context.commandName === 'PutObjectCommand' && String(key).includes('/_records/')) {
        conditions.push((args.input as { IfNoneMatch?: unknown }).IfNoneMatch);
      }
      const sid =
        typeof key === 'string'
          ? /\/_records\/.+\/(MM[0-9a-f]{32})\.json$/.exec(key)?.[1]
          : undefined;
      if (context.commandName === 'PutObjectCommand' && sid && !acks.has(sid))
        acks.set(sid, Date.now());
      return result;
    },
    { step: 'initialize', name: 'recordAckLog' },
  );
  return { acks, conditions };
};

const readRecord = async (s3: S3Client, bucket: string, key: string) => {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return parseMessageRecord(await (answer.Body?.transformToString() ?? ''));
};

const recordKeyOf = (accountSid: string, message: SeededMessage, day: string) =>
  `media/_records/${accountSid}/${day.replaceAll('-', '/')}/${message.sid}.json`;

describe('message records and redaction through the local stack', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let emulator: TwilioEmulator;
  let output: ReturnType<typeof captureOutput>;
  let recordAcks: ReturnType<typeof attachRecordAckLog>;
  let mediaAcks: ReturnType<typeof attachS3AckLog>;
  let seed = 900;

  const emulatorSha = new Map<string, string>();
  const readArchiveKeys = async () =>
    (await stack.s3Server.requestLog())
      .filter((e) => e.method === 'PUT' && e.status === 200)
      .map((e) => decodeURIComponent(e.path.replace(`/${stack.bucket}/`, '')));

  const seedMessage = (sizes: number[], status?: string) => {
    seed += 10;
    const seeded = emulator.addMessage({
      direction: 'inbound',
      body: BODY,
      ...(status ? { status } : {}),
      media: sizes.map((size, n) =>
        makeSeedMedia({ size, seed: seed + n, contentType: 'image/png' }),
      ),
    });
    for (const media of seeded.media) emulatorSha.set(media.sid, media.sha256);
    return seeded;
  };

  beforeAll(async () => {
    output = captureOutput();
    stack = await startTestStack(
      {},
      {
        LOCAL_VISIBILITY_TIMEOUT: '1',
        ARCHIVE_MESSAGE_BODY: 'true',
        ARCHIVE_ADDRESSES: 'true',
        REDACT_MESSAGE_BODY_AFTER_ARCHIVE: 'true',
      },
    );
    if (!stack.emulator) throw new Error('demo mode expected');
    emulator = stack.emulator;
    recordAcks = attachRecordAckLog(stack.s3);
    mediaAcks = attachS3AckLog(stack.s3);
  });

  let workDir: string;

  afterAll(async () => {
    await stack?.close();
    output?.restore();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  /** The CLI in this process, against the stack's local S3 (`--local`). */
  const cli = async (args: string[]) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => out.push(chunk));
    stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const code = await runCli(args, {
      stdout,
      stderr,
      env: { LOCAL_S3_PORT: String(stack.s3Server.port), ARCHIVE_BUCKET: stack.bucket },
      cwd: workDir,
    });
    return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  };

  it('writes the record with body and addresses, then redacts at Twilio only after its PUT was acknowledged', async () => {
    // Prepare
    const message = seedMessage([20_000, 3_000, 45_000]);
    const day = new Date().toISOString().slice(0, 10);

    // Act
    await postWebhookFor(stack, message, { body: BODY, from: FROM });
    await postWebhookFor(stack, message, { body: BODY, from: FROM });
    await waitUntilSettled(stack, () => emulator.messageBody(message.sid) === '', {
      what: 'the redaction',
    });
    const audit = await auditArchive(stack, message.media, mediaAcks);
    const record = await readRecord(
      stack.s3,
      stack.bucket,
      recordKeyOf(stack.accountSid, message, day),
    );
    const s3Log = await stack.s3Server.requestLog();

    // Assess
    expect(audit.archived).toBe(3);
    expect(audit.strays).toBe(0);
    expect(record).toMatchObject({ messageSid: message.sid, body: BODY, from: FROM, numMedia: 3 });
    expect(record.media.map((m) => [m.mediaSid, m.size, m.sha256])).toEqual(
      message.media.map((m) => [m.sid, m.size, m.sha256]),
    );
    const recordPuts = s3Log.filter(
      (e) =>
        e.method === 'PUT' &&
        e.status === 200 &&
        decodeURIComponent(e.path).endsWith(recordKeyOf(stack.accountSid, message, day)),
    );
    // Every record write is create-only, and the local S3 answers If-None-Match: * with 412 as S3
    // does (until issue 21 it overwrote, and two jobs completing the message at the same moment
    // were both logged "message record written"): one write wins, any other finds it.
    const written = output
      .records()
      .filter((r) => r.message === 'message record written' && r.messageSid === message.sid);
    expect(recordPuts).toHaveLength(1);
    expect(written).toHaveLength(1);
    expect(recordAcks.conditions).toEqual(['*']);
    const redactions = emulator.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith(`/Messages/${message.sid}.json`),
    );
    expect(redactions.length).toBeGreaterThanOrEqual(1);
    const ackedAt = recordAcks.acks.get(message.sid) ?? Number.POSITIVE_INFINITY;
    const lastMediaAck = Math.max(
      ...message.media.map((m) => Math.min(...(mediaAcks.get(m.sid) ?? [Infinity]))),
    );
    for (const redaction of redactions) {
      expect(redaction.at).toBeGreaterThanOrEqual(ackedAt);
      expect(redaction.at).toBeGreaterThanOrEqual(lastMediaAck);
    }
  });

  it('a forged job with a made-up body: the media is archived, the record keeps Twilio’s body, and Twilio keeps it', async () => {
    // Prepare: anyone who can send to the queue names a real message and its media.
    const message = seedMessage([6_000, 2_000]);
    const day = new Date().toISOString().slice(0, 10);
    const receivedAt = new Date().toISOString();
    const media = message.media.map((m) => ({ sid: m.sid, contentType: m.contentType }));
    const forged: MediaJob[] = message.media.map((m, index) => ({
      version: 1,
      accountSid: stack.accountSid,
      messageSid: message.sid,
      mediaSid: m.sid,
      contentType: m.contentType,
      receivedAt,
      index,
      source: 'webhook',
      message: { media, body: 'Please ignore: made up' },
    }));
    const recordKey = recordKeyOf(stack.accountSid, message, day);
    const recordExists = async () => {
      try {
        await readRecord(stack.s3, stack.bucket, recordKey);
        return true;
      } catch {
        return false;
      }
    };

    // Act
    await createSqsJobQueue({ client: stack.sqs, queueUrl: stack.queueUrl }).enqueue(forged);
    await waitUntilSettled(stack, recordExists, { what: 'the forged job’s record' });
    const record = await readRecord(stack.s3, stack.bucket, recordKey);
    const audit = await auditArchive(stack, message.media, mediaAcks);

    // Assess
    expect(audit.archived).toBe(2);
    expect(record.body).toBe(BODY);
    expect(emulator.messageBody(message.sid)).toBe(BODY);
    const posts = emulator.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith(`/Messages/${message.sid}.json`),
    );
    const reads = emulator.requests.filter(
      (r) => r.method === 'GET' && r.path.endsWith(`/Messages/${message.sid}.json`),
    );
    expect(posts).toEqual([]);
    expect(reads.length).toBeGreaterThanOrEqual(1);
  });

  it('a message Twilio still calls in progress (20009) is retried until the redaction succeeds', async () => {
    // Prepare
    const message = seedMessage([4_000], 'receiving');
    setTimeout(() => emulator.setMessageStatus(message.sid, 'received'), 1_500);

    // Act
    await postWebhookFor(stack, message, { body: BODY });
    await waitUntilSettled(stack, () => emulator.messageBody(message.sid) === '', {
      what: 'the redaction after 20009',
    });

    // Assess
    const answers = emulator.requests
      .filter((r) => r.method === 'POST' && r.path.endsWith(`/Messages/${message.sid}.json`))
      .map((r) => r.status);
    expect(answers[0]).toBe(400);
    expect(answers.at(-1)).toBe(200);
  });

  it('a 1-media message writes its media and its record, and nothing else: the record is its index', async () => {
    // Prepare
    const message = seedMessage([5_000]);
    const day = new Date().toISOString().slice(0, 10);
    const before = (await stack.s3Server.requestLog()).length;

    // Act
    await postWebhookFor(stack, message, { body: BODY });
    await waitUntilSettled(stack, () => emulator.messageBody(message.sid) === '', {
      what: 'the record and redaction',
    });
    const writes = (await stack.s3Server.requestLog())
      .slice(before)
      .filter((e) => e.method === 'PUT' || e.method === 'POST' || e.method === 'DELETE')
      .map((e) => decodeURIComponent(e.path.replace(`/${stack.bucket}/`, '')))
      .filter((key) => key.includes(message.sid));

    // Assess
    expect(writes.sort()).toEqual(
      [
        `media/${stack.accountSid}/${day.replaceAll('-', '/')}/${message.sid}/${message.media[0]?.sid}.png`,
        recordKeyOf(stack.accountSid, message, day),
      ].sort(),
    );
  });

  it('ls --message finds a message by SID alone through its record, and lists the record', async () => {
    // Prepare
    const message = seedMessage([1_500, 2_500]);
    await postWebhookFor(stack, message, { body: BODY });
    await waitUntilSettled(stack, () => emulator.messageBody(message.sid) === '', {
      what: 'the record and redaction',
    });
    workDir = await mkdtemp(join(tmpdir(), 'export-test-'));

    // Act
    const listed = await cli(['ls', '--local', '--message', message.sid, '--json']);
    const detailed = await cli(['ls', '--local', '--message', message.sid, '--details', '--json']);

    // Assess
    expect(listed.code).toBe(0);
    const json = JSON.parse(listed.stdout);
    expect(json.count).toBe(2);
    expect(json.records).toHaveLength(1);
    expect(json.records[0].key).toMatch(
      new RegExp(`^media/_records/AC[0-9a-f]{32}/.+/${message.sid}\\.json$`),
    );
    expect(json.records[0]).not.toHaveProperty('record');
    expect(JSON.parse(detailed.stdout).records[0].record.body).toBe(BODY);
  });

  it('an export of the day unzips into files that sha256sum -c verifies', async () => {
    // Prepare
    const day = new Date().toISOString().slice(0, 10);
    const zipPath = join(workDir, 'day.zip');
    const unzipped = join(workDir, 'unzipped');

    // Act
    const exported = await cli([
      'export',
      '--local',
      '--since',
      day,
      '--until',
      day,
      '-o',
      'day.zip',
    ]);
    execFileSync('unzip', ['-q', zipPath, '-d', unzipped]);
    const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], {
      cwd: unzipped,
      encoding: 'utf8',
    });
    const manifest = JSON.parse(await readFile(join(unzipped, 'manifest.json'), 'utf8'));

    // Assess
    expect(exported.code).toBe(0);
    const lines = check.trim().split('\n');
    expect(lines.length).toBe(manifest.files.length + 1);
    expect(lines.every((line) => line.endsWith(': OK'))).toBe(true);
    const records = manifest.files.filter((f: { kind: string }) => f.kind === 'record');
    const media = manifest.files.filter((f: { kind: string }) => f.kind === 'media');
    expect(records.length).toBe(manifest.messages);
    expect(media.length).toBeGreaterThanOrEqual(6);
    for (const file of media) {
      const seeded = emulatorSha.get(file.mediaSid);
      if (seeded) expect(file.sha256).toBe(seeded);
    }
  });

  it('an export refuses to overwrite, and a tampered object stops it with nothing left behind', async () => {
    // Prepare
    const day = new Date().toISOString().slice(0, 10);
    const [anyMedia] = (await readArchiveKeys()).filter((key) => /ME[0-9a-f]{32}\./.test(key));
    if (!anyMedia) throw new Error('no media archived');
    const original = await stack.s3.send(
      new GetObjectCommand({ Bucket: stack.bucket, Key: anyMedia }),
    );
    const bytes = Buffer.from(await (original.Body?.transformToByteArray() ?? new Uint8Array()));
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.bucket,
        Key: anyMedia,
        Body: bytes,
        ContentType: original.ContentType,
        Metadata: original.Metadata,
      }),
    );

    // Act
    const again = await cli(['export', '--local', '--date', day, '-o', 'day.zip']);
    const tampered = await cli(['export', '--local', '--date', day, '-o', 'tampered.zip']);

    // Assess
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('SHA-256 differs');
    await expect(readFile(join(workDir, 'tampered.zip'))).rejects.toThrow();
    await expect(readFile(join(workDir, 'tampered.zip.partial'))).rejects.toThrow();
  });
  it('a backfilled message no webhook announced gets its record, with the real direction, from the lists alone', async () => {
    // Prepare: one inbound and one outbound message whose webhooks never came.
    const seedLost = (direction: 'inbound' | 'outbound-api', sizes: number[]) => {
      seed += 10;
      const seeded = emulator.addMessage({
        direction,
        body: BODY,
        from: FROM,
        media: sizes.map((size, n) =>
          makeSeedMedia({ size, seed: seed + n, contentType: 'image/png' }),
        ),
      });
      for (const media of seeded.media) emulatorSha.set(media.sid, media.sha256);
      return seeded;
    };
    const inbound = seedLost('inbound', [2_000, 7_000]);
    const outbound = seedLost('outbound-api', [3_000]);
    const day = new Date().toISOString().slice(0, 10);
    const config = readArchiverConfig({
      TWILIO_ACCOUNT_SID: stack.accountSid,
      TWILIO_AUTH_TOKEN: stack.authToken,
      TWILIO_API_BASE_URL: emulator.apiBaseUrl,
      TWILIO_MEDIA_ORIGINS: emulator.cdnBaseUrl,
      ARCHIVE_BUCKET: stack.bucket,
      ARCHIVE_MESSAGE_BODY: 'true',
      ARCHIVE_ADDRESSES: 'true',
    });
    const catalog = createCatalogFor(config);
    const listCalls = () =>
      // The Messages page and Media lists; the archiver's GET of one Message (redaction) is not one.
      emulator.requests.filter(
        (r) =>
          r.method === 'GET' && /\/Messages(\.json|\/MM[0-9a-f]{32}\/Media\.json)/.test(r.path),
      ).length;
    const before = listCalls();

    // Act
    const result = await backfill(
      {
        catalog,
        presence: presenceFor(stack.s3, config),
        sink: createQueueSink(createSqsJobQueue({ client: stack.sqs, queueUrl: stack.queueUrl })),
      },
      {
        accountSid: stack.accountSid,
        since: day,
        until: day,
        direction: 'all',
        source: 'backfill',
      },
    );
    const listed = listCalls() - before;
    await waitUntilSettled(
      stack,
      () => emulator.messageBody(inbound.sid) === '' && emulator.messageBody(outbound.sid) === '',
      { what: 'the backfilled records and redactions' },
    );
    const inboundRecord = await readRecord(
      stack.s3,
      stack.bucket,
      recordKeyOf(stack.accountSid, inbound, day),
    );
    const outboundRecord = await readRecord(
      stack.s3,
      stack.bucket,
      recordKeyOf(stack.accountSid, outbound, day),
    );

    // Assess
    expect(result.counts.enqueued).toBe(3);
    // The day's Messages page, one page of the unfiltered list (for messages never sent), and one
    // Media list per message with media: nothing per message more.
    const messagesWithMedia = emulator.requests.filter(
      (r) => r.method === 'GET' && r.path.endsWith('/Media.json'),
    ).length;
    expect(listed).toBe(1 + 1 + messagesWithMedia);
    expect(inboundRecord).toMatchObject({
      messageSid: inbound.sid,
      direction: 'inbound',
      body: BODY,
      from: FROM,
      numMedia: 2,
      numSegments: 1,
    });
    expect(inboundRecord.media.map((m) => [m.mediaSid, m.size, m.sha256])).toEqual(
      inbound.media.map((m) => [m.sid, m.size, m.sha256]),
    );
    expect(outboundRecord).toMatchObject({
      messageSid: outbound.sid,
      direction: 'outbound-api',
      body: BODY,
      numMedia: 1,
    });
    expect(outboundRecord.media.map((m) => m.sha256)).toEqual([outbound.media[0]?.sha256]);
  });
});
