/**
 * `npm run bench` (full, writes bench/results.md) and `npm run bench:smoke` (tiny, writes a temp
 * file): every figure is measured in this one run next to its baseline, because absolute times on
 * a shared 2-core machine are noise and only same-run ratios mean something.
 */
import './env.ts';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleSizes, measureLoadTimes } from './cold-start.ts';
import { readArchiverTemplate } from './lambda-cost.ts';
import { measureMemory } from './memory.ts';
import { FULL_PROFILE, SMOKE_PROFILE } from './profile.ts';
import { type BenchResults, buildRows, markdownReport } from './report.ts';
import { measureRequests } from './requests.ts';
import { startBenchStack } from './stack.ts';
import { measureThroughput } from './throughput.ts';
import { measureWebhook } from './webhook-latency.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    requests: { type: 'boolean', default: false },
    'in-flight': { type: 'string' },
    /** With --in-flight: only these sizes in bytes, comma-separated (default: the four). */
    sizes: { type: 'string' },
    /** With --in-flight: records per invocation (SQS batch size; default 10, one message). */
    batch: { type: 'string' },
    load: { type: 'boolean', default: false },
    'like-for-like': { type: 'boolean', default: false },
    /** GB-s per 1,000 media that `--requests` prices with (a full run's § 8, latency, 100 KB). */
    'gbs-per-1000': { type: 'string', default: '37.2' },
    out: { type: 'string' },
  },
});
if (values.requests) {
  const { requestsReport, runRequestsOnly } = await import('./requests-only.ts');
  const gbs = Number(values['gbs-per-1000']);
  const source = `--gbs-per-1000; default 37.2: bench/results.md run 7, § 8, latency profile, 100 KB, 5 in flight`;
  process.stdout.write(requestsReport(await runRequestsOnly(), gbs, source));
  process.exit(0);
}
if (values['like-for-like']) {
  // §§ 1–2b alone, no added latency: the archiver against baselines whose PUTs carry the same
  // SHA-256 trailer (bench/README.md, "Like for like").
  const { KiB: K, MiB: M } = await import('./profile.ts');
  const stack = await startBenchStack();
  try {
    const { rows } = await measureThroughput(
      stack,
      [
        { size: 100 * K, count: 40 },
        { size: 1 * M, count: 20 },
        { size: 16 * M, count: 10 },
      ],
      {
        latency: false,
        repeats: 3,
        contenders: ['archiver', 'minimal', 'limit'],
        log: (line) => process.stderr.write(`${line}\n`),
      },
    );
    const { median: mid } = await import('./throughput.ts');
    for (const row of rows) {
      const a = mid(row.passes.archiver);
      process.stdout.write(
        `| ${row.size} | archiver/minimal ${(a / mid(row.passes.minimal)).toFixed(2)}× | archiver/limit ${(a / mid(row.passes.limit)).toFixed(2)}× |\n`,
      );
    }
  } finally {
    await stack.close();
  }
  process.exit(0);
}
if (values.load) {
  const { LOAD_RUNS, loadTable, runLoads } = await import('./load.ts');
  const results = await runLoads(LOAD_RUNS, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${loadTable(results)}\n`);
  process.exit(0);
}
if (values['in-flight']) {
  const { IN_FLIGHT_SIZES, inFlightTable, measureInFlight } = await import('./in-flight.ts');
  const inFlight = values['in-flight'].split(',').map(Number);
  const only = values.sizes?.split(',').map(Number);
  const sizes = only ? IN_FLIGHT_SIZES.filter(({ size }) => only.includes(size)) : IN_FLIGHT_SIZES;
  const rows = await measureInFlight(
    {
      inFlight,
      sizes,
      repeats: 3,
      memorySize: 16 * 2 ** 20,
      ...(values.batch ? { batchSize: Number(values.batch) } : {}),
    },
    (line) => process.stderr.write(`${line}\n`),
  );
  process.stdout.write(`${inFlightTable(rows)}\n`);
  process.exit(0);
}
const profile = values.smoke ? SMOKE_PROFILE : FULL_PROFILE;
const out =
  values.out ??
  (values.smoke
    ? join(tmpdir(), `bench-smoke-${process.pid}.md`)
    : fileURLToPath(new URL('./results.md', import.meta.url)));

// Progress goes to stderr: stdout carries only the table.
const log = (line: string) => process.stderr.write(`${line}\n`);
const startedAt = new Date();
const t0 = performance.now();

log(`bench (${profile.name}): 7 · cold start proxy`);
const bundles = await bundleSizes();
const loadTimes = await measureLoadTimes(profile.coldStart.runs);

log('bench: 6 · webhook latency');
const webhook = await measureWebhook(profile.webhook);

const stack = await startBenchStack();
try {
  log('bench: 5 · requests per media');
  const requests = await measureRequests(stack, profile.requests);
  log('bench: 5b · requests on the deployed path, with message records, priced');
  const { measureRealPath } = await import('./real-path.ts');
  const { REQUEST_SCENARIOS } = await import('./requests-only.ts');
  const realPath = await measureRealPath(
    stack,
    values.smoke
      ? REQUEST_SCENARIOS.map((scenario) => ({ ...scenario, messages: 2, size: 16 * 1024 }))
      : REQUEST_SCENARIOS,
  );

  log('bench: 1–3 · throughput, no added latency (archiver, minimal pipeline, limit, naive peer)');
  const noLatency = await measureThroughput(stack, profile.throughput, {
    latency: false,
    repeats: profile.repeats,
    contenders: ['archiver', 'minimal', 'limit', 'naive'],
    log,
  });

  log('bench: 1, 3 · throughput with the latency profile (archiver, minimal pipeline, naive peer)');
  const latency = await measureThroughput(stack, profile.throughput, {
    latency: true,
    repeats: profile.repeats,
    contenders: ['archiver', 'minimal', 'naive'],
    log,
  });

  const archiverTemplate = await readArchiverTemplate();
  log(
    `bench: 8b · the archiver at the template's ${archiverTemplate.inProcessConcurrency} in flight, batches of ${archiverTemplate.batchSize}, latency profile`,
  );
  const benchConcurrency = stack.archiverEnv.ARCHIVER_CONCURRENCY;
  stack.archiverEnv.ARCHIVER_CONCURRENCY = String(archiverTemplate.inProcessConcurrency);
  const templateLatency = await measureThroughput(stack, profile.throughput, {
    latency: true,
    repeats: profile.repeats,
    contenders: ['archiver'],
    batchSize: archiverTemplate.batchSize,
    log,
  });
  if (benchConcurrency === undefined) delete stack.archiverEnv.ARCHIVER_CONCURRENCY;
  else stack.archiverEnv.ARCHIVER_CONCURRENCY = benchConcurrency;

  log('bench: 4 · peak memory, one child process per size');
  const largest = Math.max(...profile.memory.sizes);
  const smallest = Math.min(...profile.memory.sizes);
  const memory = await measureMemory(
    stack,
    [
      ...profile.memory.sizes.map((size) => ({
        mode: 'archiver' as const,
        size,
        count: profile.memory.count,
      })),
      ...(['limit', 'naive'] as const).flatMap((mode) =>
        [smallest, largest].map((size) => ({ mode, size, count: profile.memory.count })),
      ),
    ],
    { concurrency: noLatency.concurrency, repeats: profile.memory.repeats, log },
  );

  const results: BenchResults = {
    profile,
    concurrency: noLatency.concurrency,
    startedAt,
    seconds: (performance.now() - t0) / 1000,
    noLatency: noLatency.rows,
    latency: latency.rows,
    memory,
    requests,
    webhook,
    bundles,
    loadTimes,
    archiverTemplate,
    templateLatency: templateLatency.rows,
  };
  // § 5b, priced with this run's GB-s: the latency profile's smallest size, at the bench's in-flight.
  const { gbSecondsPer1000 } = await import('./lambda-cost.ts');
  const { median } = await import('./throughput.ts');
  const { requestsReport } = await import('./requests-only.ts');
  const firstLatency = latency.rows[0];
  const gbs = firstLatency
    ? gbSecondsPer1000(
        firstLatency.size,
        median(firstLatency.passes.archiver),
        results.archiverTemplate.memorySizeMb,
      )
    : Number.NaN;
  const report = `${markdownReport(results, buildRows(results))}\n## 5b · S3, SQS and log requests per media on the deployed path, priced\n\n${requestsReport(realPath, Number(gbs.toFixed(1)), `this run, latency profile, ${firstLatency?.size ?? '?'} B, ${noLatency.concurrency} in flight, ${results.archiverTemplate.memorySizeMb} MB`)}`;
  process.stdout.write(report);
  await writeFile(out, report);
  log(`bench: written to ${out}`);
} finally {
  await stack.close();
}
