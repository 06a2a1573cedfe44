/**
 * Child process of section 4: runs the archiver (or a baseline) on the media it is handed and
 * reports its peak RSS. The emulator and fauxqs live in other processes, so the media bodies they
 * hold never count here. Input: JSON in BENCH_PROBE; output: one JSON line on stdout.
 */
import './env.ts';
import type { SQSRecord } from 'aws-lambda';
import type { NaiveMedia } from './naive-peer.ts';

export interface ProbeInput {
  mode: 'archiver' | 'naive' | 'limit';
  env: Record<string, string>;
  s3Endpoint: string;
  bucket: string;
  batches: SQSRecord[][];
  naiveMedia: NaiveMedia[];
  /** Limit mode: signed CDN URLs, batched like the archiver's records. */
  limitBatches: { key: string; url: string }[][];
  concurrency: number;
}

export interface ProbeOutput {
  /** RSS once every module is loaded and the handler is built, in bytes. */
  rssReady: number;
  /** This process's own peak RSS (Linux: VmHWM; elsewhere resourceUsage().maxRSS), in bytes. */
  maxRss: number;
}

const input = JSON.parse(process.env.BENCH_PROBE ?? '{}') as ProbeInput;
const { createCountingS3Client } = await import('./s3-client.ts');

let run: () => Promise<void>;
if (input.mode === 'archiver') {
  const { createBenchArchiver } = await import('./archiver.ts');
  const archiver = createBenchArchiver(input.env, input.s3Endpoint);
  run = () => archiver.run(input.batches);
} else if (input.mode === 'limit') {
  const { copyLimit } = await import('./limit.ts');
  const s3 = createCountingS3Client(input.s3Endpoint);
  run = () =>
    copyLimit(input.limitBatches, {
      s3: s3.client,
      bucket: input.bucket,
      concurrency: input.concurrency,
    });
} else {
  const { createNaivePeer } = await import('./naive-peer.ts');
  const s3 = createCountingS3Client(input.s3Endpoint);
  const naive = createNaivePeer({
    accountSid: input.env.TWILIO_ACCOUNT_SID as string,
    authToken: input.env.TWILIO_AUTH_TOKEN as string,
    apiBaseUrl: input.env.TWILIO_API_BASE_URL as string,
    s3: s3.client,
    bucket: input.bucket,
  });
  run = () => naive.archiveAll(input.naiveMedia);
}
/**
 * On Linux, getrusage's ru_maxrss survives exec: a child spawned by a bench process of 150 MB
 * reports at least 150 MB whatever it does itself. VmHWM belongs to the child's own address space.
 */
const peakRss = async (): Promise<number> => {
  try {
    const { readFile } = await import('node:fs/promises');
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(await readFile('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS * 1024;
};

const rssReady = process.memoryUsage().rss;
await run();
const output: ProbeOutput = { rssReady, maxRss: await peakRss() };
process.stdout.write(`${JSON.stringify(output)}\n`);
process.exit(0);
