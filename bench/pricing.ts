import type { PathCounts } from './real-path.ts';

/**
 * AWS list prices, us-east-1, in US dollars. Written from the maintainers' knowledge of the public
 * price pages as of 2025 — not read online when the bench ran (the bench has no internet): check
 * the Lambda, S3, SQS, KMS and CloudWatch pricing pages before quoting a figure.
 */
export const PRICES = {
  source:
    'AWS list prices, us-east-1, as known in 2025 (not fetched at run time; check the pricing pages)',
  /** Lambda arm64, first tier (≤ 7.5 billion GB-s a month). */
  lambdaGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  /** S3 Standard PUT, COPY, POST, LIST. */
  s3WriteClass: 0.005 / 1000,
  /** S3 Standard GET, HEAD and all other requests. */
  s3ReadClass: 0.0004 / 1000,
  /** SQS standard queue, per 64 KB request chunk, beyond the free tier. */
  sqsRequest: 0.4 / 1e6,
  kmsRequest: 0.03 / 10_000,
  /** CloudWatch Logs Standard ingestion per GB. */
  logsIngestGb: 0.5,
} as const;

/**
 * Lambda's own START, END and REPORT lines per invocation (about 100 + 60 + 220 bytes): an
 * estimate, since the local handler prints none.
 */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 380;

export interface CostPerMedia {
  lambdaCompute: number;
  lambdaRequests: number;
  s3Write: number;
  s3Read: number;
  sqs: number;
  /** SSE-KMS without a bucket key: one request per PUT (GenerateDataKey); GET of a record decrypts. */
  kmsWithoutBucketKey: number;
  logs: number;
  /** Everything but KMS: the template enables the S3 Bucket Key, which makes KMS negligible. */
  total: number;
}

export const costPerMedia = (counts: PathCounts, gbSecondsPerMedia: number): CostPerMedia => {
  const per = (n: number) => n / counts.media;
  const sqsRequests = Object.values(counts.sqs).reduce((sum, n) => sum + n, 0);
  const logBytes = counts.logBytes + counts.invocations * PLATFORM_LOG_BYTES_PER_INVOCATION;
  const cost = {
    lambdaCompute: gbSecondsPerMedia * PRICES.lambdaGbSecond,
    lambdaRequests: per(counts.invocations) * PRICES.lambdaRequest,
    s3Write: per(counts.writeClass) * PRICES.s3WriteClass,
    s3Read: per(counts.readClass) * PRICES.s3ReadClass,
    sqs: per(sqsRequests) * PRICES.sqsRequest,
    kmsWithoutBucketKey:
      per(counts.writeClass - counts.s3.LIST + counts.s3.GET) * PRICES.kmsRequest,
    logs: (per(logBytes) / 2 ** 30) * PRICES.logsIngestGb,
  };
  return {
    ...cost,
    total:
      cost.lambdaCompute + cost.lambdaRequests + cost.s3Write + cost.s3Read + cost.sqs + cost.logs,
  };
};

const usd = (dollars: number) => `$${dollars.toFixed(2)}`;

/** Dollars per million media, by line, for each measured scenario. */
export const costTable = (
  rows: readonly PathCounts[],
  gbSecondsPerMedia: number,
  gbSecondsSource: string,
): string => {
  const header =
    '| scenario | Lambda GB-s | Lambda requests | S3 write/list | S3 read | SQS | CloudWatch Logs | total per million media | KMS if no bucket key |';
  const rule = '|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((row) => {
    const c = costPerMedia(row, gbSecondsPerMedia);
    const m = (dollars: number) => usd(dollars * 1e6);
    return `| ${[
      row.scenario,
      m(c.lambdaCompute),
      m(c.lambdaRequests),
      m(c.s3Write),
      m(c.s3Read),
      m(c.sqs),
      m(c.logs),
      `**${m(c.total)}**`,
      m(c.kmsWithoutBucketKey),
    ].join(' | ')} |`;
  });
  return [
    header,
    rule,
    ...lines,
    '',
    `Prices: ${PRICES.source}: Lambda arm64 $${PRICES.lambdaGbSecond} per GB-s and $0.20 per million requests; S3 Standard $0.005 per 1,000 PUT/COPY/POST/LIST and $0.0004 per 1,000 GET/HEAD; SQS $0.40 per million requests; KMS $0.03 per 10,000 requests; CloudWatch Logs $0.50 per GB ingested. Lambda GB-s per media: ${gbSecondsSource}. Log bytes: the archiver's INFO lines as measured plus ${PLATFORM_LOG_BYTES_PER_INVOCATION} bytes of Lambda's START/END/REPORT lines per invocation (estimated). Not included: S3 storage, data transfer, Twilio's own prices.`,
  ].join('\n');
};
