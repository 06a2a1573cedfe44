import { formatBytes } from './bytes.ts';

/**
 * What an Athena query cost, from the bytes it scanned. The price is written here, not read
 * online: Athena's SQL queries list at $5.00 per TB scanned in us-east-1 (some regions charge
 * more), each query billed at least 10 MB and rounded up to the next MB — the list price as known
 * on 2026-12-08. Check the Athena pricing page before quoting it to anyone.
 */
export const ATHENA_PRICE = {
  usdPerTerabyte: 5,
  knownOn: '2026-12-08',
  minimumBytes: 10 * 1024 ** 2,
  roundingBytes: 1024 ** 2,
} as const;

const TERABYTE = 1024 ** 4;

/** The billed bytes (minimum and rounding applied) and their list price in USD. */
export const athenaQueryCost = (scannedBytes: number): { billedBytes: number; usd: number } => {
  const rounded =
    Math.ceil(Math.max(0, scannedBytes) / ATHENA_PRICE.roundingBytes) * ATHENA_PRICE.roundingBytes;
  const billedBytes = Math.max(rounded, ATHENA_PRICE.minimumBytes);
  return { billedBytes, usd: (billedBytes / TERABYTE) * ATHENA_PRICE.usdPerTerabyte };
};

/** `scanned 12 MiB, ≈ $0.000059 at $5/TB (list price of 2026-12-08, 10 MB minimum)` */
export const describeAthenaScan = (scannedBytes: number): string => {
  const { usd } = athenaQueryCost(scannedBytes);
  const price = String(Number(usd.toPrecision(2)));
  return `scanned ${formatBytes(scannedBytes)}, ≈ $${price} at $${ATHENA_PRICE.usdPerTerabyte}/TB (list price of ${ATHENA_PRICE.knownOn}, 10 MB minimum)`;
};
