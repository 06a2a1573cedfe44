/**
 * `npm run bench -- --in-flight`: the archiver's Lambda time per media and peak RSS at several
 * ARCHIVER_CONCURRENCY values (batches of 10, the latency profile), to choose the template's
 * in-flight count and memory from measurements (bench/README.md, "In flight per invocation").
 */
import { gbSecondsPer1000 } from './lambda-cost.ts';
import { measureMemory } from './memory.ts';
import { formatSize, KiB, MiB } from './profile.ts';
import { startBenchStack } from './stack.ts';
import { measureThroughput, median } from './throughput.ts';

export interface InFlightRow {
  inFlight: number;
  size: number;
  mediaPerSecond: number;
  gbSecondsPer1000At512: number;
  maxRssMb?: number;
}

export const measureInFlight = async (
  options: {
    inFlight: readonly number[];
    sizes: readonly { size: number; count: number }[];
    repeats: number;
    memorySize: number;
    /** Records per invocation; default one message of 10 media. */
    batchSize?: number;
  },
  log: (line: string) => void,
): Promise<InFlightRow[]> => {
  const stack = await startBenchStack();
  const rows: InFlightRow[] = [];
  try {
    for (const inFlight of options.inFlight) {
      stack.archiverEnv.ARCHIVER_CONCURRENCY = String(inFlight);
      log(`in flight ${inFlight}: throughput with the latency profile`);
      const { rows: passes } = await measureThroughput(stack, options.sizes, {
        latency: true,
        repeats: options.repeats,
        contenders: ['archiver'],
        log,
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      });
      log(`in flight ${inFlight}: peak RSS at ${formatSize(options.memorySize)}`);
      const [memory] = await measureMemory(
        stack,
        [{ mode: 'archiver', size: options.memorySize, count: 20 }],
        { concurrency: inFlight, repeats: 1, log },
      );
      for (const row of passes) {
        const bytesPerSecond = median(row.passes.archiver);
        rows.push({
          inFlight,
          size: row.size,
          mediaPerSecond: bytesPerSecond / row.size,
          gbSecondsPer1000At512: gbSecondsPer1000(row.size, bytesPerSecond, 512),
          ...(row.size === options.memorySize && memory ? { maxRssMb: memory.maxRss / MiB } : {}),
        });
      }
    }
  } finally {
    await stack.close();
  }
  return rows;
};

/** The full bench's four sizes (the issue's GB-s baseline was measured at each). */
export const IN_FLIGHT_SIZES = [
  { size: 100 * KiB, count: 40 },
  { size: 1 * MiB, count: 20 },
  { size: 5 * MiB, count: 10 },
  { size: 16 * MiB, count: 10 },
];

export const inFlightTable = (rows: readonly InFlightRow[]): string =>
  [
    '| in flight | size | media/s | GB-s per 1,000 media at 512 MB | peak RSS |',
    '|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.inFlight} | ${formatSize(row.size)} | ${row.mediaPerSecond.toFixed(1)} | ${row.gbSecondsPer1000At512.toFixed(1)} | ${row.maxRssMb === undefined ? '—' : `${row.maxRssMb.toFixed(1)} MB`} |`,
    ),
  ].join('\n');
