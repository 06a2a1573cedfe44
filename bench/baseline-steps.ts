import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** The plain steps the "limit" and "minimal" baselines are made of: no checks, no retries. */

export const basicAuthorization = (credentials: { username: string; password: string }): string =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

/** The API's answer to a media GET with Basic auth, not followed: its status and Location. */
export const askApiForLocation = async (
  url: string,
  authorization: string,
): Promise<{ status: number; location: string | null }> => {
  const response = await fetch(url, {
    headers: { Authorization: authorization },
    redirect: 'manual',
  });
  await response.body?.cancel();
  return { status: response.status, location: response.headers.get('location') };
};

/**
 * A CDN GET without credentials piped into one PutObject with the announced ContentLength (and,
 * when asked, the CDN's Content-Type). Like for like: the PUT carries the trailing SHA-256 the
 * archiver's proof needs (`ChecksumAlgorithm: 'SHA256'`), not the SDK's default CRC32, so the local
 * S3 hashes the same trailer for both and the ratio measures the archiver's own work.
 */
export const copyCdnToS3 = async (
  target: { s3: S3Client; bucket: string },
  key: string,
  url: string,
  { withContentType = false }: { withContentType?: boolean } = {},
): Promise<void> => {
  const cdn = await fetch(url);
  if (!cdn.ok || !cdn.body) throw new Error(`CDN answered ${cdn.status}`);
  await target.s3.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: key,
      Body: Readable.fromWeb(cdn.body as unknown as WebReadableStream<Uint8Array>),
      ContentLength: Number(cdn.headers.get('content-length')),
      ChecksumAlgorithm: 'SHA256',
      ...(withContentType
        ? { ContentType: cdn.headers.get('content-type') ?? 'application/octet-stream' }
        : {}),
    }),
  );
};
