import { performance } from 'node:perf_hooks';
import type { LatencyProfile } from '../lib/stand-ins/twilio-emulator.ts';
import { createBenchArchiver } from './archiver.ts';
import { copyLimit, signedCdnUrls } from './limit.ts';
import { createMinimalPipeline } from './minimal.ts';
import { createNaivePeer } from './naive-peer.ts';
import { createCountingS3Client } from './s3-client.ts';
import { type BenchStack, BUCKET, recordBatches, seedMedia } from './stack.ts';

export const LATENCY_PROFILE: LatencyProfile = { apiMs: 150, cdnFirstByteMs: 50 };
const NO_LATENCY: LatencyProfile = { apiMs: 0, cdnFirstByteMs: 0 };

export type Contender = 'archiver' | 'minimal' | 'limit' | 'naive';

export interface ThroughputRow {
  size: number;
  count: number;
  latency: boolean;
  /** Bytes per second of each pass, by contender. */
  passes: Record<Contender, number[]>;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const timed = async (work: () => Promise<void>): Promise<number> => {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
};

/** Records regrouped into invocations of `size` (SQS batches across messages, as the mapping makes). */
export const rebatched = <T>(batches: T[][], size: number | undefined): T[][] => {
  if (size === undefined) return batches;
  const records = batches.flat();
  const out: T[][] = [];
  for (let i = 0; i < records.length; i += size) out.push(records.slice(i, i + size));
  return out;
};

/**
 * Sections 1–3: for each size, the archiver and its baselines on freshly seeded media, in rotating
 * order so that drift (disk cache, GC, thermal) does not favour one contender.
 */
export const measureThroughput = async (
  stack: BenchStack,
  sizes: readonly { size: number; count: number }[],
  options: {
    latency: boolean;
    repeats: number;
    contenders: readonly Contender[];
    log: (line: string) => void;
    /** The archiver's records per invocation (default: one message of 10 media per batch). */
    batchSize?: number;
  },
): Promise<{ rows: ThroughputRow[]; concurrency: number }> => {
  const { emulator } = stack;
  emulator.setLatency(options.latency ? LATENCY_PROFILE : NO_LATENCY);
  const archiver = createBenchArchiver(stack.archiverEnv, stack.s3Server.endpoint);
  const limitS3 = createCountingS3Client(stack.s3Server.endpoint);
  const naiveS3 = createCountingS3Client(stack.s3Server.endpoint);
  const naive = createNaivePeer({
    accountSid: emulator.accountSid,
    authToken: emulator.authToken,
    apiBaseUrl: emulator.apiBaseUrl,
    s3: naiveS3.client,
    bucket: BUCKET,
  });
  const credentials = { username: emulator.accountSid, password: emulator.authToken };
  const minimalS3 = createCountingS3Client(stack.s3Server.endpoint);
  const minimal = createMinimalPipeline({
    credentials,
    s3: minimalS3.client,
    bucket: BUCKET,
    concurrency: archiver.concurrency,
  });

  const pass = async (contender: Contender, size: number, count: number): Promise<number> => {
    const messages = seedMedia(emulator, size, count);
    let seconds: number;
    if (contender === 'archiver') {
      const batches = rebatched(recordBatches(emulator.accountSid, messages), options.batchSize);
      seconds = await timed(() => archiver.run(batches));
    } else if (contender === 'minimal') {
      const batches = messages.map((media) =>
        media.map((item) => ({ key: `minimal/${item.messageSid}/${item.sid}`, url: item.url })),
      );
      seconds = await timed(() => minimal.run(batches));
    } else if (contender === 'limit') {
      const urls = await signedCdnUrls(messages.flat(), credentials);
      let n = 0;
      const batches = messages.map((media) =>
        media.map((item) => ({
          key: `limit/${item.messageSid}/${item.sid}`,
          url: urls[n++] as string,
        })),
      );
      seconds = await timed(() =>
        copyLimit(batches, {
          s3: limitS3.client,
          bucket: BUCKET,
          concurrency: archiver.concurrency,
        }),
      );
    } else {
      const media = messages.flat().map((item) => ({
        messageSid: item.messageSid,
        mediaSid: item.sid,
        url: item.url,
        contentType: item.contentType,
      }));
      seconds = await timed(() => naive.archiveAll(media));
    }
    return (size * count) / seconds;
  };

  const rows: ThroughputRow[] = [];
  try {
    // Warm-up: connection pools, JIT and the local S3's first-write costs are paid before timing.
    for (const contender of options.contenders) await pass(contender, 16 * 1024, 10);
    for (const { size, count } of sizes) {
      const row: ThroughputRow = {
        size,
        count,
        latency: options.latency,
        passes: { archiver: [], minimal: [], limit: [], naive: [] },
      };
      for (let repeat = 0; repeat < options.repeats; repeat += 1) {
        const order = options.contenders.map(
          (_, i) => options.contenders[(i + repeat) % options.contenders.length] as Contender,
        );
        for (const contender of order)
          row.passes[contender].push(await pass(contender, size, count));
      }
      options.log(
        `  ${options.latency ? 'latency' : 'no latency'} ${size} B ×${count}: ${options.contenders
          .map((c) => `${c} ${(median(row.passes[c]) / 2 ** 20).toFixed(1)} MiB/s`)
          .join(', ')}`,
      );
      rows.push(row);
    }
  } finally {
    emulator.setLatency(NO_LATENCY);
    archiver.close();
    limitS3.client.destroy();
    minimalS3.client.destroy();
    naiveS3.client.destroy();
  }
  return { rows, concurrency: archiver.concurrency };
};
