import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StorageUnavailableError } from '../../domain/errors.ts';
import type { ArchiveListing } from '../../ports/pipeline.ts';

export interface S3ArchiveListingOptions {
  client: S3Client;
  bucket: string;
}

/** ListObjectsV2 under a prefix, following continuation tokens (1,000 keys a request). */
export const createS3ArchiveListing = ({
  client,
  bucket,
}: S3ArchiveListingOptions): ArchiveListing => ({
  async keysUnder(prefix) {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (error) {
        throw new StorageUnavailableError(
          `S3 ListObjectsV2 failed: ${(error as Error).name ?? 'Error'}`,
          { cause: error },
        );
      }
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  },
});
