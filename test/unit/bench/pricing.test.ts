import { describe, expect, it } from 'vitest';
import { costPerMedia, PRICES } from '../../../bench/pricing.ts';
import type { PathCounts } from '../../../bench/real-path.ts';

const counts = (overrides: Partial<PathCounts> = {}): PathCounts => ({
  scenario: '1-media messages',
  media: 20,
  messages: 20,
  invocations: 2,
  s3: {
    'PUT media': 20,
    'PUT index marker': 20,
    'PUT message record': 20,
    LIST: 0,
    HEAD: 0,
    GET: 20,
    other: 0,
  },
  writeClass: 60,
  readClass: 20,
  sqs: { SendMessageBatch: 20, ReceiveMessage: 3, DeleteMessageBatch: 2 },
  logBytes: 0,
  ...overrides,
});

describe('costPerMedia', () => {
  it('prices each S3 request by its class and adds up the lines', () => {
    // Prepare
    const measured = counts();

    // Act
    const cost = costPerMedia(measured, 0.02);

    // Assess
    expect(cost.s3Write).toBeCloseTo(3 * PRICES.s3WriteClass, 12);
    expect(cost.s3Read).toBeCloseTo(1 * PRICES.s3ReadClass, 12);
    expect(cost.sqs).toBeCloseTo((25 / 20) * PRICES.sqsRequest, 12);
    expect(cost.lambdaCompute).toBeCloseTo(0.02 * PRICES.lambdaGbSecond, 12);
    expect(cost.total).toBeCloseTo(
      cost.lambdaCompute + cost.lambdaRequests + cost.s3Write + cost.s3Read + cost.sqs + cost.logs,
      12,
    );
  });

  it('counts KMS only for object writes and reads, not for listings or HEADs', () => {
    // Prepare
    const measured = counts({
      s3: { ...counts().s3, LIST: 20, HEAD: 20 },
      writeClass: 80,
      readClass: 40,
    });

    // Act
    const cost = costPerMedia(measured, 0);

    // Assess: 60 PUTs + 20 GETs over 20 media.
    expect(cost.kmsWithoutBucketKey).toBeCloseTo(4 * PRICES.kmsRequest, 12);
  });
});
