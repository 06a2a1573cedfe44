import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { StorageUnavailableError } from '../../domain/errors.ts';
import type { ArchiveListing } from '../../ports/pipeline.ts';
import { ownInput } from './s3-archive-reader.ts';

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
    try {
      for await (const page of paginateListObjectsV2(
        { client, withCommand: ownInput },
        { Bucket: bucket, Prefix: prefix },
      )) {
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      }
    } catch (error) {
      throw new StorageUnavailableError(
        `S3 ListObjectsV2 failed: ${(error as Error).name ?? 'Error'}`,
        { cause: error },
      );
    }
    return keys;
  },
});
