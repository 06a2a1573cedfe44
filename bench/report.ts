import { cpus, totalmem } from 'node:os';
import type { BundleSize, LoadTimes } from './cold-start.ts';
import { type ArchiverTemplate, gbSecondsPer1000 } from './lambda-cost.ts';
import type { MemoryRow } from './memory.ts';
import { type BenchProfile, formatSize } from './profile.ts';
import type { RequestCounts } from './requests.ts';
import { type Contender, median, type ThroughputRow } from './throughput.ts';
import type { LatencyStats } from './webhook-latency.ts';

export interface BenchResults {
  profile: BenchProfile;
  concurrency: number;
  startedAt: Date;
  seconds: number;
  noLatency: ThroughputRow[];
  latency: ThroughputRow[];
  memory: MemoryRow[];
  requests: { happy: RequestCounts; replay: RequestCounts };
  webhook: { sqs: LatencyStats; noop: LatencyStats };
  bundles: BundleSize[];
  loadTimes: LoadTimes;
  /** The archiver's memory size and in-process concurrency in serverless.yml (section 8). */
  archiverTemplate: ArchiverTemplate;
  /**
   * Section 8b: the archiver alone with the latency profile at the template's in-flight count and
   * batch size, beside `latency` (the bench's 5 in flight, one message of 10 per batch).
   */
  templateLatency?: ThroughputRow[];
}

type Verdict = 'PASS' | 'MISS' | 'info';

export interface Row {
  section: string;
  measurement: string;
  value: string;
  baseline: string;
  baselineValue: string;
  ratio: string;
  target: string;
  result: Verdict;
}

export const TARGETS = {
  limitRatio: 0.8,
  minimalRatio: 0.9,
  naiveLatencyRatio: 3,
  memoryDeltaBytes: 8 * 2 ** 20,
  webhookOverheadP99Ms: 5,
  loadTimeRatio: 0.6,
  /** Issue 26: GB-s per media at the template's settings ≤ half the bench's 5 in flight. */
  templateGbsRatio: 0.5,
};

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const rate = (bytesPerSecond: number, size: number) =>
  `${mb(bytesPerSecond)}/s (${(bytesPerSecond / size).toFixed(1)} media/s)`;
const ms = (value: number) => `${value.toFixed(2)} ms`;
const x = (value: number) => `${value.toFixed(2)}×`;
const per = (count: number, of: number) => `${+(count / of).toFixed(2)}`;
const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');

const throughputRows = (results: BenchResults): Row[] => {
  const rows: Row[] = [];
  const mid = (row: ThroughputRow, contender: Contender) => median(row.passes[contender]);
  for (const row of results.noLatency) {
    const label = `${formatSize(row.size)} ×${row.count}`;
    const archiver = mid(row, 'archiver');
    const limit = mid(row, 'limit');
    const ratio = archiver / limit;
    rows.push({
      section: '1–2',
      measurement: `archiver, no added latency, ${label}`,
      value: rate(archiver, row.size),
      baseline: 'limit: CDN GET piped into PutObject',
      baselineValue: rate(limit, row.size),
      ratio: x(ratio),
      target: `≥ ${TARGETS.limitRatio}×`,
      result: verdict(ratio >= TARGETS.limitRatio),
    });
    if (row.passes.naive.length > 0) {
      const naive = mid(row, 'naive');
      rows.push({
        section: '3',
        measurement: `naive peer, no added latency, ${label}`,
        value: rate(naive, row.size),
        baseline: 'archiver, same run',
        baselineValue: rate(archiver, row.size),
        ratio: x(archiver / naive),
        target: '—',
        result: 'info',
      });
    }
  }
  for (const row of results.latency) {
    const label = `${formatSize(row.size)} ×${row.count}`;
    const archiver = mid(row, 'archiver');
    const naive = mid(row, 'naive');
    const ratio = archiver / naive;
    rows.push({
      section: '1, 3',
      measurement: `archiver, latency API 150 ms / CDN 50 ms, ${label}`,
      value: rate(archiver, row.size),
      baseline: 'naive peer, same latency',
      baselineValue: rate(naive, row.size),
      ratio: x(ratio),
      target: `≥ ${TARGETS.naiveLatencyRatio}×`,
      result: verdict(ratio >= TARGETS.naiveLatencyRatio),
    });
  }
  return rows;
};

const MINIMAL_BASELINE = 'minimal: API GET → CDN GET piped into PutObject → DELETE';
const LATENCY_LABEL = 'latency API 150 ms / CDN 50 ms';

/** Section 2b: the archiver against the fewest requests a correct archiver can make. */
const minimalRows = (results: BenchResults): Row[] => {
  const rows: Row[] = [];
  for (const row of [...results.noLatency, ...results.latency]) {
    if (row.passes.minimal.length === 0) continue;
    const archiver = median(row.passes.archiver);
    const minimal = median(row.passes.minimal);
    const ratio = archiver / minimal;
    rows.push({
      section: '2b',
      measurement: `archiver vs minimal pipeline, ${row.latency ? LATENCY_LABEL : 'no added latency'}, ${formatSize(row.size)} ×${row.count}`,
      value: rate(archiver, row.size),
      baseline: MINIMAL_BASELINE,
      baselineValue: rate(minimal, row.size),
      ratio: x(ratio),
      // Issue 15's target is for the no-latency runs; with latency the ratio is reported.
      target: row.latency ? '—' : `≥ ${TARGETS.minimalRatio}×`,
      result: row.latency ? 'info' : verdict(ratio >= TARGETS.minimalRatio),
    });
  }
  return rows;
};

const gbs = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} GB-s`;

/** Section 8: what the measured wall time would bill on Lambda at the template's memory size. */
const lambdaCostRows = (results: BenchResults): Row[] => {
  const memory = results.archiverTemplate.memorySizeMb;
  const deployed = results.archiverTemplate.inProcessConcurrency;
  // Measured at the bench's concurrency; say so when the template deploys another.
  const inFlight =
    deployed === results.concurrency
      ? `${results.concurrency} in flight`
      : `${results.concurrency} in flight (template: ${deployed})`;
  return [...results.latency, ...results.noLatency].map((row) => {
    const archiver = gbSecondsPer1000(row.size, median(row.passes.archiver), memory);
    const hasMinimal = row.passes.minimal.length > 0;
    const minimal = hasMinimal
      ? gbSecondsPer1000(row.size, median(row.passes.minimal), memory)
      : Number.NaN;
    return {
      section: '8',
      measurement: `Lambda cost per 1,000 media at ${memory} MB, archiver, ${inFlight}, ${row.latency ? LATENCY_LABEL : 'no added latency'}, ${formatSize(row.size)}`,
      value: gbs(archiver),
      baseline: hasMinimal ? 'minimal pipeline, same run and memory' : '—',
      baselineValue: hasMinimal ? gbs(minimal) : '—',
      ratio: hasMinimal ? x(archiver / minimal) : '—',
      target: 'reported',
      result: 'info',
    };
  });
};

/** Section 8b: the template's in-flight and batch size against the bench's own (issue 26). */
const templateCostRows = (results: BenchResults): Row[] => {
  const memory = results.archiverTemplate.memorySizeMb;
  const { inProcessConcurrency, batchSize } = results.archiverTemplate;
  return (results.templateLatency ?? []).flatMap((row) => {
    const base = results.latency.find((other) => other.size === row.size);
    if (!base) return [];
    const template = gbSecondsPer1000(row.size, median(row.passes.archiver), memory);
    const bench = gbSecondsPer1000(row.size, median(base.passes.archiver), memory);
    const ratio = template / bench;
    return [
      {
        section: '8b',
        measurement: `Lambda cost per 1,000 media at ${memory} MB, archiver at the template's ${inProcessConcurrency} in flight, batches of ${batchSize}, ${LATENCY_LABEL}, ${formatSize(row.size)}`,
        value: gbs(template),
        baseline: `archiver, ${results.concurrency} in flight, batches of 10, same run`,
        baselineValue: gbs(bench),
        ratio: x(ratio),
        target: `≤ ${TARGETS.templateGbsRatio}×`,
        result: verdict(ratio <= TARGETS.templateGbsRatio),
      },
    ];
  });
};

const MODE_LABEL = { archiver: 'archiver', limit: 'limit (streaming copy)', naive: 'naive peer' };

const memoryRows = (results: BenchResults): Row[] => {
  const archiver = results.memory.filter((row) => row.mode === 'archiver');
  const smallest = archiver.reduce<MemoryRow | undefined>(
    (min, row) => (min === undefined || row.size < min.size ? row : min),
    undefined,
  );
  const largest = Math.max(...archiver.map((row) => row.size));
  return results.memory.map((row) => {
    const isBase = row === smallest;
    const delta = row.maxRss - (smallest?.maxRss ?? 0);
    const headline = row.mode === 'archiver' && row.size === largest && !isBase;
    return {
      section: '4',
      measurement: `${MODE_LABEL[row.mode]} peak RSS, ${formatSize(row.size)} ×${row.count} (ready: ${mb(row.rssReady)})`,
      value: mb(row.maxRss),
      baseline: isBase ? '—' : `archiver, ${formatSize(smallest?.size ?? 0)}`,
      baselineValue: isBase ? '—' : mb(smallest?.maxRss ?? 0),
      ratio: isBase ? '—' : `${delta >= 0 ? '+' : '−'}${mb(Math.abs(delta))}`,
      target: headline ? `< +${mb(TARGETS.memoryDeltaBytes)}` : '—',
      result: headline ? verdict(delta < TARGETS.memoryDeltaBytes) : 'info',
    };
  });
};

const requestRows = (results: BenchResults): Row[] => {
  const rows: Row[] = [];
  const add = (
    scenario: 'happy path' | 'replay',
    what: string,
    count: number,
    of: number,
    unit: 'media' | 'message',
    expected: number | undefined,
  ) => {
    rows.push({
      section: '5',
      measurement: `${scenario}: ${what} per ${unit}`,
      value: per(count, of),
      baseline: '—',
      baselineValue: `${count} for ${of} ${unit}${of === 1 ? '' : unit === 'media' ? '' : 's'}`,
      ratio: '—',
      target: expected === undefined ? '—' : String(expected),
      result: expected === undefined ? 'info' : verdict(count === expected * of),
    });
  };
  const { happy, replay } = results.requests;
  const s3 = (counts: RequestCounts, method: string) => counts.s3[method] ?? 0;
  for (const [scenario, c] of [
    ['happy path', happy],
    ['replay', replay],
  ] as const) {
    const isHappy = scenario === 'happy path';
    add(scenario, 'Twilio API GET', c.apiGet, c.media, 'media', isHappy ? 1 : 0);
    add(scenario, 'Twilio API 307 to the CDN', c.apiRedirects, c.media, 'media', isHappy ? 1 : 0);
    add(scenario, 'CDN GET (media download)', c.cdnGet, c.media, 'media', isHappy ? 1 : 0);
    add(scenario, 'S3 PUT of the media object', c.mediaPuts, c.media, 'media', isHappy ? 1 : 0);
    add(scenario, 'S3 HEAD', s3(c, 'HEAD'), c.media, 'media', isHappy ? 0 : 1);
    add(scenario, 'S3 GET', s3(c, 'GET'), c.media, 'media', 0);
    add(scenario, 'S3 POST', s3(c, 'POST'), c.media, 'media', 0);
    add(scenario, 'Twilio DELETE', c.apiDelete, c.media, 'media', 1);
    add(scenario, 'other Twilio requests', c.twilioOther, c.media, 'media', 0);
    // Written before the media: a redelivery that finds the media proven writes none.
    add(
      scenario,
      'S3 PUT of the index marker',
      c.markerPuts,
      c.messages,
      'message',
      isHappy ? 1 : 0,
    );
    add(
      scenario,
      'S3 PUT seen by the local S3 (media + markers)',
      s3(c, 'PUT'),
      c.media,
      'media',
      undefined,
    );
  }
  return rows;
};

const webhookRows = (results: BenchResults): Row[] => {
  const { sqs, noop } = results.webhook;
  const stat = (stats: LatencyStats) => `p50 ${ms(stats.p50)}, p99 ${ms(stats.p99)}`;
  return [
    {
      section: '6',
      measurement: `webhook, 10 media, local-aws-sqs, ${sqs.requests} requests`,
      value: stat(sqs),
      baseline: 'same handler, no-op queue',
      baselineValue: stat(noop),
      ratio: x(sqs.p99 / noop.p99),
      target: 'reported',
      result: 'info',
    },
    {
      section: '6',
      measurement: `webhook handler overhead (no-op queue) p99, ${noop.requests} requests`,
      value: ms(noop.p99),
      baseline: '—',
      baselineValue: `mean ${ms(noop.mean)}, max ${ms(noop.max)}`,
      ratio: '—',
      target: `< ${TARGETS.webhookOverheadP99Ms} ms`,
      result: verdict(noop.p99 < TARGETS.webhookOverheadP99Ms),
    },
  ];
};

const coldStartRows = (results: BenchResults): Row[] => {
  const rows: Row[] = results.bundles.map((bundle) => ({
    section: '7',
    measurement: `bundle size, ${bundle.name} (minified ESM)`,
    value: `${(bundle.bytes / 1000).toFixed(1)} kB`,
    baseline: 'build budget',
    baselineValue: `${(bundle.budget / 1000).toFixed(1)} kB`,
    ratio: x(bundle.bytes / bundle.budget),
    target: '≤ budget',
    result: verdict(bundle.bytes <= bundle.budget),
  }));
  const { medians, runs } = results.loadTimes;
  const twilio = medians['twilio handler'] ?? Number.NaN;
  for (const label of ['webhook', 'archiver', 'node (empty)']) {
    const value = medians[label] ?? Number.NaN;
    const headline = label === 'webhook';
    rows.push({
      section: '7',
      measurement: `fresh process importing ${label === 'node (empty)' ? 'nothing (Node start-up alone)' : `dist/${label}/index.mjs`}, median of ${runs}`,
      value: ms(value),
      baseline: 'fresh process importing bench/twilio-handler.mjs',
      baselineValue: ms(twilio),
      ratio: x(value / twilio),
      target: headline ? `≤ ${TARGETS.loadTimeRatio}×` : '—',
      result: headline ? verdict(value / twilio <= TARGETS.loadTimeRatio) : 'info',
    });
  }
  return rows;
};

export const buildRows = (results: BenchResults): Row[] => [
  ...throughputRows(results),
  ...minimalRows(results),
  ...memoryRows(results),
  ...requestRows(results),
  ...webhookRows(results),
  ...coldStartRows(results),
  ...lambdaCostRows(results),
  ...templateCostRows(results),
];

export const machineLines = (results: BenchResults): string[] => {
  const cpu = cpus();
  return [
    `- machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory`,
    `- Node ${process.version} on ${process.platform}/${process.arch}`,
    `- date: ${results.startedAt.toISOString()}, run took ${Math.round(results.seconds)} s (profile: ${results.profile.name})`,
    `- archiver concurrency: ${results.concurrency} records at a time, batches of 10 records (1 message = 10 media); throughput is the median of ${results.profile.repeats} pass(es), peak RSS the median of ${results.profile.memory.repeats} process(es); 1 MB = 2^20 bytes`,
  ];
};

const cell = (text: string) => text.replaceAll('|', '\\|');

export const markdownTable = (rows: readonly Row[]): string => {
  const header =
    '| § | measurement | value | baseline | baseline value | ratio | target | result |';
  const rule = '|---|---|---|---|---|---|---|---|';
  const lines = rows.map(
    (row) =>
      `| ${[row.section, row.measurement, row.value, row.baseline, row.baselineValue, row.ratio, row.target, row.result].map(cell).join(' | ')} |`,
  );
  return [header, rule, ...lines].join('\n');
};

export const markdownReport = (results: BenchResults, rows: readonly Row[]): string => {
  const missed = rows.filter((row) => row.result === 'MISS');
  return [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); bench/README.md explains each figure.',
    '',
    ...machineLines(results),
    '',
    markdownTable(rows),
    '',
    missed.length === 0
      ? 'All targets met in this run.'
      : `Targets missed in this run: ${missed.map((row) => row.measurement).join('; ')} — see bench/README.md.`,
    '',
  ].join('\n');
};
