import { describe, expect, it } from 'vitest';
import { athenaQueryCost, describeAthenaScan } from '../../../lib/domain/athena-cost.ts';

const MB = 1024 ** 2;

describe('athenaQueryCost', () => {
  it('bills at least 10 MB, rounded up to the MB, at $5 per TB', () => {
    // Act
    const nothing = athenaQueryCost(0);
    const justOver = athenaQueryCost(12 * MB + 1);
    const terabyte = athenaQueryCost(1024 ** 4);

    // Assess
    expect(nothing.billedBytes).toBe(10 * MB);
    expect(justOver.billedBytes).toBe(13 * MB);
    expect(terabyte.usd).toBe(5);
  });

  it('says what was scanned and what it cost, with the date of the price', () => {
    // Act
    const line = describeAthenaScan(123 * MB);

    // Assess
    expect(line).toBe(
      'scanned 123 MiB, ≈ $0.00059 at $5/TB (list price of 2026-12-08, 10 MB minimum)',
    );
  });
});
