/**
 * `npm run bench -- --requests`: only the request counts of the deployed path (section 5b) and
 * what they cost; exact, so quick and free of the machine's load.
 */
import { costTable } from './pricing.ts';
import { KiB } from './profile.ts';
import { measureRealPath, type PathCounts, perMedia, type RealPathScenario } from './real-path.ts';
import { startBenchStack } from './stack.ts';

export const REQUEST_SCENARIOS: RealPathScenario[] = [
  { name: '1-media messages', mediaPerMessage: 1, messages: 20, size: 100 * KiB },
  { name: '10-media messages', mediaPerMessage: 10, messages: 4, size: 100 * KiB },
];

export const requestTable = (rows: readonly PathCounts[]): string => {
  const header =
    '| scenario | media | write/list-class per media | read-class per media | PUT media | PUT marker | PUT record | LIST | HEAD | GET | SQS requests per media | log bytes per media |';
  const rule = '|---|---|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((row) => {
    const sqs = Object.values(row.sqs).reduce((sum, n) => sum + n, 0);
    return `| ${[
      row.scenario,
      row.media,
      perMedia(row.writeClass, row.media),
      perMedia(row.readClass, row.media),
      row.s3['PUT media'],
      row.s3['PUT index marker'],
      row.s3['PUT message record'],
      row.s3.LIST,
      row.s3.HEAD,
      row.s3.GET,
      perMedia(sqs, row.media),
      Math.round(row.logBytes / row.media),
    ].join(' | ')} |`;
  });
  return [header, rule, ...lines].join('\n');
};

export const runRequestsOnly = async (): Promise<PathCounts[]> => {
  const stack = await startBenchStack();
  try {
    return await measureRealPath(stack, REQUEST_SCENARIOS);
  } finally {
    await stack.close();
  }
};

/**
 * What `--requests` prints: the counts, then dollars per million media with a GB-s figure taken
 * from a full run's § 8 (the quick mode measures no throughput).
 */
export const requestsReport = (
  rows: readonly PathCounts[],
  gbSecondsPer1000: number,
  source: string,
): string =>
  [
    requestTable(rows),
    '',
    costTable(
      rows.filter((row) => !row.scenario.endsWith('replayed')),
      gbSecondsPer1000 / 1000,
      `${gbSecondsPer1000} GB-s per 1,000 media (${source})`,
    ),
    '',
  ].join('\n');
