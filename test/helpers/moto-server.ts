import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/** Any credentials do: moto checks none. */
export const MOTO_CREDENTIALS = { accessKeyId: 'moto', secretAccessKey: 'moto' };

export interface MotoServer {
  /** `http://127.0.0.1:PORT` (not `localhost`: S3 would try `<bucket>.localhost`). */
  endpoint: string;
  port: number;
  /** An S3 client with the SDK's default integrity settings (moto stores aws-chunked bodies). */
  s3(): S3Client;
  sqs(): SQSClient;
  /** Bucket names must be valid DNS names. */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const ready = async (endpoint: string, child: ChildProcess, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      // moto's own health page; any answer means it is listening.
      const response = await fetch(`${endpoint}/moto-api/`);
      await response.body?.cancel();
      return;
    } catch {
      await delay(100);
    }
  }
  throw new Error(`moto_server did not answer within ${timeoutMs} ms`);
};

/**
 * Starts `moto_server` (on PATH on this image, moto 5.2.1) on a free loopback port: an S3 that
 * honours `If-None-Match: *` (412) and gives MD5 ETags, plus SQS and more on the same port.
 * Quirks (see the shared local-stack notes): it accepts wrong checksums silently and neither
 * echoes nor stores an explicit `x-amz-checksum-sha256`, so HEAD with `ChecksumMode: ENABLED`
 * returns no SHA-256 there (only the SDK's default CRC32 when that was sent as a trailer).
 */
export const startMotoServer = async (
  options: { timeoutMs?: number } = {},
): Promise<MotoServer> => {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const clientOptions = { endpoint, region: 'us-east-1', credentials: MOTO_CREDENTIALS };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), delay(5_000).then(() => false)]);
    if (!killed) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    await ready(endpoint, child, options.timeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    port,
    s3: () => new S3Client({ ...clientOptions, forcePathStyle: true }),
    sqs: () => new SQSClient(clientOptions),
    createBucket: async (name) => {
      const client = new S3Client({ ...clientOptions, forcePathStyle: true });
      await client.send(new CreateBucketCommand({ Bucket: name }));
      client.destroy();
    },
    stop,
  };
};
