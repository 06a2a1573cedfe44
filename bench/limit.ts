import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { SeededMedia } from '../lib/stand-ins/twilio-emulator.ts';

/**
 * Baseline "limit": the same bytes with no product logic — a plain streaming CDN GET piped into a
 * plain PutObject with ContentLength, `concurrency` at a time per batch like the archiver.
 * The signed CDN URLs are fetched beforehand (untimed) from the API's 307 Location.
 */
export const signedCdnUrls = async (
  media: readonly SeededMedia[],
  credentials: { username: string; password: string },
): Promise<string[]> => {
  const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  return Promise.all(
    media.map(async (item) => {
      const response = await fetch(item.url, {
        headers: { Authorization: authorization },
        redirect: 'manual',
      });
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (response.status !== 307 || !location) {
        throw new Error(`expected a 307 with Location, got ${response.status}`);
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
    await Promise.all(
      batch.map(({ key, url }) =>
        limit(async () => {
          const response = await fetch(url);
          if (!response.ok || !response.body) throw new Error(`CDN answered ${response.status}`);
          await options.s3.send(
            new PutObjectCommand({
              Bucket: options.bucket,
              Key: key,
              Body: Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
              ContentLength: Number(response.headers.get('content-length')),
            }),
          );
        }),
      ),
    );
  }
};
