import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { startEphemeralStack } from '../../lib/local/ephemeral-stack.ts';
import type { LocalStack, LocalStackHooks } from '../../lib/local/local-stack.ts';
import { sha256Hex } from './media-fixtures.ts';

/** The whole local stack in demo mode on free ports, with its data in a fresh temp directory. */
export const startTestStack = (
  hooks: LocalStackHooks = {},
  env: Record<string, string> = {},
): Promise<LocalStack & { dataDir: string }> =>
  startEphemeralStack({ prefix: 'stack-test-', env, hooks });

export interface ArchivedObject {
  key: string;
  size: number;
  sha256: string;
  /** Hex of the full-object SHA-256 S3 itself stored (`ChecksumMode: ENABLED`), if any. */
  storedSha256: string | undefined;
  metadata: Record<string, string>;
  contentType: string | undefined;
}

/**
 * Every media object under the prefix (index markers and message records excluded), with the
 * sha256 of its bytes.
 */
export const readArchive = async (
  s3: S3Client,
  bucket: string,
  prefix = 'media/',
): Promise<ArchivedObject[]> => {
  const objects: ArchivedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const { Key } of page.Contents ?? []) {
      if (!Key || /\/_(index|records)\//.test(Key) || Key.endsWith('/message.json')) continue;
      const object = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key, ChecksumMode: 'ENABLED' }),
      );
      const bytes = Buffer.from(await (object.Body?.transformToByteArray() ?? new Uint8Array()));
      objects.push({
        key: Key,
        size: bytes.length,
        sha256: sha256Hex(bytes),
        storedSha256:
          object.ChecksumSHA256 && object.ChecksumType !== 'COMPOSITE'
            ? Buffer.from(object.ChecksumSHA256, 'base64').toString('hex')
            : undefined,
        metadata: object.Metadata ?? {},
        contentType: object.ContentType,
      });
    }
    token = page.NextContinuationToken;
  } while (token);
  return objects;
};
