import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { readArchiverConfig } from '../lib/config.ts';
import { createArchiverDeps } from '../lib/deps.ts';
import { createLocalContext } from '../lib/local/lambda-context.ts';
import { createArchiverHandler } from '../lib/process-media-batch.ts';
import { type CountingS3Client, createCountingS3Client } from './s3-client.ts';

export class BenchFailureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchFailureError';
  }
}

export interface BenchArchiver {
  concurrency: number;
  s3: CountingS3Client;
  /** Runs the batches one after another, as one Lambda instance would; throws on any failure. */
  run(batches: SQSRecord[][]): Promise<void>;
  close(): void;
}

/** The real archiver handler with its real adapters, against the bench's emulator and fauxqs. */
export const createBenchArchiver = (
  env: Record<string, string>,
  s3Endpoint: string,
): BenchArchiver => {
  const config = readArchiverConfig(env);
  const s3 = createCountingS3Client(s3Endpoint);
  const handler = createArchiverHandler(createArchiverDeps(config, { s3: s3.client }));
  return {
    concurrency: config.concurrency,
    s3,
    run: async (batches) => {
      for (const records of batches) {
        const answer = (await handler(
          { Records: records },
          createLocalContext('bench-archiver', 900_000),
        )) as SQSBatchResponse;
        const failed = answer?.batchItemFailures?.length ?? 0;
        if (failed > 0) throw new BenchFailureError(`${failed} record(s) of a batch failed`);
      }
    },
    close: () => s3.client.destroy(),
  };
};

/** The same records as a redelivery: same bodies, `ApproximateReceiveCount` raised. */
export const redeliveryOf = (batches: SQSRecord[][], receiveCount = 2): SQSRecord[][] =>
  batches.map((records) =>
    records.map((record) => ({
      ...record,
      attributes: { ...record.attributes, ApproximateReceiveCount: String(receiveCount) },
    })),
  );
