import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { askApiForLocation, basicAuthorization, copyCdnToS3 } from './baseline-steps.ts';

/**
 * Baseline "minimal correct pipeline": the fewest requests a correct archiver can make per media,
 * and nothing else — API GET with Basic auth, the 307's Location fetched without credentials, the
 * CDN body piped into one PutObject with its announced ContentLength, then the DELETE at Twilio.
 * No hashing, no spool, no HEAD, no index marker, no retries: the archiver's overhead over this is
 * what its verification costs. Batched and `concurrency` at a time like the archiver.
 */
export interface MinimalMedia {
  key: string;
  /** The MediaUrlN of the webhook (the API resource, without `.json`). */
  url: string;
}

export const createMinimalPipeline = (options: {
  credentials: { username: string; password: string };
  s3: S3Client;
  bucket: string;
  concurrency: number;
}) => {
  const authorization = basicAuthorization(options.credentials);

  const archiveOne = async ({ key, url }: MinimalMedia): Promise<void> => {
    const api = await askApiForLocation(url, authorization);
    if (api.status !== 307 || !api.location) throw new Error(`API answered ${api.status}`);
    await copyCdnToS3(options, key, api.location, { withContentType: true });
    const deleted = await fetch(`${url}.json`, {
      method: 'DELETE',
      headers: { Authorization: authorization },
    });
    await deleted.body?.cancel();
    if (deleted.status !== 204) throw new Error(`DELETE answered ${deleted.status}`);
  };

  return {
    /** The batches one after another, as one Lambda instance would take them. */
    run: async (batches: readonly MinimalMedia[][]): Promise<void> => {
      const limit = pLimit(options.concurrency);
      for (const batch of batches) {
        await Promise.all(batch.map((media) => limit(() => archiveOne(media))));
      }
    },
  };
};
