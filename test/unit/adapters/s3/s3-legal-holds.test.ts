import {
  GetObjectLockConfigurationCommand,
  PutObjectLegalHoldCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createS3LegalHolds } from '../../../../lib/adapters/s3/s3-legal-holds.ts';

const s3Mock = mockClient(S3Client);
const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status } });
const holds = () => createS3LegalHolds({ client: new S3Client({}), bucket: 'archive' });

describe('createS3LegalHolds', () => {
  beforeEach(() => {
    s3Mock.reset();
  });

  it.each([
    [{ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' as const } }, { enabled: true }],
    [{ ObjectLockConfiguration: {} }, { enabled: false, answer: 'ObjectLockEnabled=absent' }],
    [{}, { enabled: false, answer: 'ObjectLockEnabled=absent' }],
  ])('reads the bucket Object Lock %j as %j', async (answer, state) => {
    // Prepare
    s3Mock.on(GetObjectLockConfigurationCommand, { Bucket: 'archive' }).resolves(answer);

    // Act
    const result = await holds().objectLock();

    // Assess
    expect(result).toEqual(state);
  });

  it.each([
    ['ObjectLockConfigurationNotFoundError', 404],
    ['NotImplemented', 501],
  ])('takes %s as "no Object Lock"', async (name, status) => {
    // Prepare
    s3Mock.on(GetObjectLockConfigurationCommand).rejects(s3Error(name, status));

    // Act
    const result = await holds().objectLock();

    // Assess
    expect(result).toEqual({ enabled: false, answer: name });
  });

  it('lets any other failure of the read through', async () => {
    // Prepare
    s3Mock.on(GetObjectLockConfigurationCommand).rejects(s3Error('AccessDenied', 403));

    // Act
    const result = holds().objectLock();

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('sets one object hold with the status asked for', async () => {
    // Prepare
    s3Mock.on(PutObjectLegalHoldCommand).resolves({});

    // Act
    await holds().setLegalHold('media/a.png', 'OFF');

    // Assess
    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand)[0]?.args[0].input).toEqual({
      Bucket: 'archive',
      Key: 'media/a.png',
      LegalHold: { Status: 'OFF' },
    });
  });

  it('names the missing Object Lock when S3 refuses the hold as InvalidRequest', async () => {
    // Prepare
    s3Mock.on(PutObjectLegalHoldCommand).rejects(s3Error('InvalidRequest', 400));

    // Act
    const result = holds().setLegalHold('media/a.png', 'ON');

    // Assess
    await expect(result).rejects.toThrow(
      'S3 refused the legal hold on media/a.png: is the bucket created with Object Lock? (deploy param objectLockMode)',
    );
  });
});
