import {
  GetObjectLockConfigurationCommand,
  PutObjectLegalHoldCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { LegalHolds } from '../../ports/legal-holds.ts';

export interface S3LegalHoldsOptions {
  client: S3Client;
  bucket: string;
}

/** S3's answers meaning "this bucket has no Object Lock" (moto, AWS; a stand-in's NotImplemented). */
const NO_OBJECT_LOCK = new Set(['ObjectLockConfigurationNotFoundError', 'NotImplemented']);

export const createS3LegalHolds = ({ client, bucket }: S3LegalHoldsOptions): LegalHolds => ({
  async objectLock() {
    let enabled: string | undefined;
    try {
      const answer = await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      enabled = answer.ObjectLockConfiguration?.ObjectLockEnabled;
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (NO_OBJECT_LOCK.has(name)) return { enabled: false, answer: name };
      throw error;
    }
    return enabled === 'Enabled'
      ? { enabled: true }
      : { enabled: false, answer: `ObjectLockEnabled=${enabled ?? 'absent'}` };
  },
  async setLegalHold(key, status) {
    // The SDK adds the checksum S3 requires for this call, whatever the client's settings.
    try {
      await client.send(
        new PutObjectLegalHoldCommand({ Bucket: bucket, Key: key, LegalHold: { Status: status } }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'InvalidRequest') throw error;
      throw new Error(
        `S3 refused the legal hold on ${key}: is the bucket created with Object Lock? (deploy param objectLockMode)`,
        { cause: error },
      );
    }
  },
});
