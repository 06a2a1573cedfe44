/**
 * `npm run bench -- --load`: the throughput model of docs/SCALE.md checked against the real
 * archiver handler. `instances` Lambda instances (the event source mapping's MaximumConcurrency)
 * each take batches of `batchSize` from one queue and run them `inFlight` at a time, against the
 * emulator with the latency profile and Twilio's per-account concurrency limit switched on.
 */
import { createBenchArchiver } from './archiver.ts';
import { type BenchStack, recordBatches, seedMedia, startBenchStack } from './stack.ts';
import { LATENCY_PROFILE, rebatched } from './throughput.ts';

export interface LoadRun {
  media: number;
  instances: number;
  inFlight: number;
  accountLimit: number;
  /** Records per invocation (the mapping's batchSize); default 10. */
  batchSize?: number;
}

export interface LoadResult extends LoadRun {
  predictedMediaPerSecond: number;
  measuredMediaPerSecond: number;
  throttled: number;
  seconds: number;
}

const SIZE = 4 * 1024;
/** Time the S3 PUT and the local hops add per media, measured in run 7 at no added latency. */
const LOCAL_OVERHEAD_MS = 30;

/**
 * The model: a media holds one Twilio API request at a time (GET, then later DELETE), so the
 * account's concurrency is at most instances × inFlight; while that stays within the limit no
 * request is refused, and throughput is the media in flight over the time one media takes:
 * API GET + CDN first byte + PUT + API DELETE.
 */
export const predictedMediaPerSecond = ({ instances, inFlight, accountLimit }: LoadRun): number => {
  const perMediaSeconds =
    (2 * LATENCY_PROFILE.apiMs + LATENCY_PROFILE.cdnFirstByteMs + LOCAL_OVERHEAD_MS) / 1000;
  return Math.min(instances * inFlight, accountLimit) / perMediaSeconds;
};

export const runLoad = async (stack: BenchStack, run: LoadRun): Promise<LoadResult> => {
  const { emulator } = stack;
  emulator.setLatency(LATENCY_PROFILE);
  emulator.setFaults({ concurrencyLimit: run.accountLimit });
  const env = { ...stack.archiverEnv, ARCHIVER_CONCURRENCY: String(run.inFlight) };
  const archivers = Array.from({ length: run.instances }, () =>
    createBenchArchiver(env, stack.s3Server.endpoint),
  );
  try {
    const queue = rebatched(
      recordBatches(emulator.accountSid, seedMedia(emulator, SIZE, run.media)),
      run.batchSize,
    );
    emulator.clearRequests();
    const start = performance.now();
    // Each instance takes the next batch when its invocation ends, as the mapping's pollers do.
    await Promise.all(
      archivers.map(async (archiver) => {
        for (let batch = queue.shift(); batch; batch = queue.shift()) await archiver.run([batch]);
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    return {
      ...run,
      predictedMediaPerSecond: predictedMediaPerSecond(run),
      measuredMediaPerSecond: run.media / seconds,
      throttled: emulator.requests.filter((entry) => entry.status === 429).length,
      seconds,
    };
  } finally {
    for (const archiver of archivers) archiver.close();
    emulator.setFaults({ concurrencyLimit: 0 });
  }
};

/** The template's settings (2 invocations × batches of 20, all in flight) at three sizes. */
export const LOAD_RUNS: LoadRun[] = [
  { media: 1_000, instances: 2, inFlight: 20, batchSize: 20, accountLimit: 100 },
  { media: 5_000, instances: 2, inFlight: 20, batchSize: 20, accountLimit: 100 },
  { media: 20_000, instances: 2, inFlight: 20, batchSize: 20, accountLimit: 100 },
  // One invocation: half the throughput, if the model holds.
  { media: 1_000, instances: 1, inFlight: 20, batchSize: 20, accountLimit: 100 },
  // Over the limit on purpose: twice the account's concurrency in flight.
  { media: 1_000, instances: 4, inFlight: 20, batchSize: 20, accountLimit: 40 },
];

export const runLoads = async (
  runs: readonly LoadRun[],
  log: (line: string) => void,
): Promise<LoadResult[]> => {
  const stack = await startBenchStack();
  const results: LoadResult[] = [];
  try {
    for (const run of runs) {
      log(
        `load: ${run.media} media, ${run.instances} × ${run.inFlight} in flight, batches of ${run.batchSize ?? 10}`,
      );
      results.push(await runLoad(stack, run));
    }
  } finally {
    await stack.close();
  }
  return results;
};

export const loadTable = (results: readonly LoadResult[]): string =>
  [
    '| media | instances × in flight | account limit | predicted media/s | measured media/s | measured / predicted | 429s |',
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.media} | ${r.instances} × ${r.inFlight} | ${r.accountLimit} | ${r.predictedMediaPerSecond.toFixed(1)} | ${r.measuredMediaPerSecond.toFixed(1)} | ${(r.measuredMediaPerSecond / r.predictedMediaPerSecond).toFixed(2)} | ${r.throttled} |`,
    ),
  ].join('\n');
