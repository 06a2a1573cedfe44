import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { SeededMedia } from '../lib/stand-ins/twilio-emulator.ts';
import { askApiForLocation, basicAuthorization, copyCdnToS3 } from './baseline-steps.ts';

/**
 * Baseline "limit": the same bytes with no product logic — a plain streaming CDN GET piped into a
 * plain PutObject with ContentLength, `concurrency` at a time per batch like the archiver.
 * The signed CDN URLs are fetched beforehand (untimed) from the API's 307 Location.
 */
export const signedCdnUrls = async (
  media: readonly SeededMedia[],
  credentials: { username: string; password: string },
): Promise<string[]> => {
  const authorization = basicAuthorization(credentials);
  return Promise.all(
    media.map(async (item) => {
      const { status, location } = await askApiForLocation(item.url, authorization);
      if (status !== 307 || !location) {
        throw new Error(`expected a 307 with Location, got ${status}`);
      }
      return location;
    }),
  );
};

export const copyLimit = async (
  batches: readonly { key: string; url: string }[][],
  options: { s3: S3Client; bucket: string; concurrency: number },
): Promise<void> => {
  const limit = pLimit(options.concurrency);
  for (const batch of batches) {
    await Promise.all(batch.map(({ key, url }) => limit(() => copyCdnToS3(options, key, url))));
  }
};
