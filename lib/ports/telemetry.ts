import type { MetricUnitValue } from '../domain/metric-names.ts';

/**
 * What a use case logs through. Powertools' Logger satisfies it; lib/compose hands one in.
 * Attributes carry SIDs, sizes and error names only: never credentials or phone numbers.
 */
export interface Log {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** What a use case counts through. Powertools' Metrics satisfies it. */
export interface MetricSink {
  addMetric(name: string, unit: MetricUnitValue, value: number): unknown;
}
