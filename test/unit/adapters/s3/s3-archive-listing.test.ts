import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createS3ArchiveListing } from '../../../../lib/adapters/s3/s3-archive-listing.ts';
import { StorageUnavailableError } from '../../../../lib/domain/errors.ts';

const s3Mock = mockClient(S3Client);

describe('s3 archive listing', () => {
  beforeEach(() => s3Mock.reset());

  it('follows continuation tokens until the last page', async () => {
    // Prepare
    s3Mock
      .on(ListObjectsV2Command, { ContinuationToken: undefined })
      .resolves({ Contents: [{ Key: 'media/a' }, { Key: 'media/b' }], NextContinuationToken: 't1' })
      .on(ListObjectsV2Command, { ContinuationToken: 't1' })
      .resolves({ Contents: [{ Key: 'media/c' }, {}] });
    const listing = createS3ArchiveListing({ client: new S3Client({}), bucket: 'archive' });

    // Act
    const keys = await listing.keysUnder('media/');

    // Assess
    expect(keys).toEqual(['media/a', 'media/b', 'media/c']);
    const inputs = s3Mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'archive', Prefix: 'media/', ContinuationToken: undefined },
      { Bucket: 'archive', Prefix: 'media/', ContinuationToken: 't1' },
    ]);
  });

  it('turns any S3 failure into a transient StorageUnavailableError', async () => {
    // Prepare
    s3Mock
      .on(ListObjectsV2Command)
      .rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    const listing = createS3ArchiveListing({ client: new S3Client({}), bucket: 'archive' });

    // Act / Assess
    const error = await listing.keysUnder('media/').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).message).toBe('S3 ListObjectsV2 failed: SlowDown');
  });
});
