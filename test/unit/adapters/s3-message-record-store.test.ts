import { createHash } from 'node:crypto';
import {
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createS3MessageRecordStore } from '../../../lib/adapters/s3-message-record-store.ts';
import { StorageUnavailableError, VerificationFailedError } from '../../../lib/domain/errors.ts';

const s3 = mockClient(S3Client);
const TEXT = '{"schema":"twilio-media-archiver/message-record"}\n';
const sha256 = createHash('sha256').update(TEXT).digest('base64');
const store = () => createS3MessageRecordStore({ client: new S3Client({}), bucket: 'b' });
const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status } });

describe('createS3MessageRecordStore', () => {
  beforeEach(() => s3.reset());

  it('writes create-only with Content-MD5 and SHA-256, created once S3 echoes the SHA-256', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({ ChecksumSHA256: sha256 });

    // Act
    const outcome = await store().putRecord('k/message.json', TEXT);

    // Assess
    expect(outcome).toBe('created');
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      IfNoneMatch: '*',
      ChecksumSHA256: sha256,
      ContentMD5: createHash('md5').update(TEXT).digest('base64'),
      ContentType: 'application/json',
    });
  });

  it('reports an existing record on 412 and refuses another echoed checksum', async () => {
    // Prepare
    s3.on(PutObjectCommand)
      .rejectsOnce(s3Error('PreconditionFailed', 412))
      .resolves({
        ChecksumSHA256: createHash('sha256').update('other').digest('base64'),
      });

    // Act
    const exists = await store().putRecord('k/message.json', TEXT);
    const mismatch = store().putRecord('k/message.json', TEXT);

    // Assess
    expect(exists).toBe('exists');
    await expect(mismatch).rejects.toBeInstanceOf(VerificationFailedError);
  });

  it('reads S3’s full-object SHA-256 from a HEAD in checksum mode, never a composite one', async () => {
    // Prepare
    s3.on(HeadObjectCommand, { Key: 'full' })
      .resolves({ ContentLength: 4, ChecksumSHA256: sha256, Metadata: { size: '4' } })
      .on(HeadObjectCommand, { Key: 'parts' })
      .resolves({ ContentLength: 4, ChecksumSHA256: `${sha256}-3` })
      .on(HeadObjectCommand, { Key: 'down' })
      .rejects(s3Error('ServiceUnavailable', 503));

    // Act
    const full = await store().headWithChecksum('full');
    const parts = await store().headWithChecksum('parts');

    // Assess
    expect(full?.checksumSha256).toBe(sha256);
    expect(full).not.toHaveProperty('checksumType');
    expect(parts?.checksumType).toBe('COMPOSITE');
    expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input.ChecksumMode).toBe('ENABLED');
    await expect(store().headWithChecksum('down')).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});
