import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { VersionLock } from '../../domain/erasure.ts';
import type { ArchiveEraser } from '../../ports/archive-eraser.ts';

/**
 * ListObjectVersions + DeleteObject with VersionId: a delete without a version only adds a delete
 * marker in a versioned bucket, and the bytes would stay. The lock is read with a versioned HEAD
 * (it carries mode, retain-until and legal hold in one call).
 */
export const createS3ArchiveEraser = (options: {
  s3: S3Client;
  bucket: string;
  sts?: STSClient;
}): ArchiveEraser => {
  const { s3, bucket, sts } = options;
  return {
    async versionsUnder(prefix) {
      const found: { key: string; versionId: string; deleteMarker: boolean }[] = [];
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            Prefix: prefix,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(versionIdMarker ? { VersionIdMarker: versionIdMarker } : {}),
          }),
        );
        for (const v of page.Versions ?? []) {
          if (v.Key)
            found.push({ key: v.Key, versionId: v.VersionId ?? 'null', deleteMarker: false });
        }
        for (const m of page.DeleteMarkers ?? []) {
          if (m.Key)
            found.push({ key: m.Key, versionId: m.VersionId ?? 'null', deleteMarker: true });
        }
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
      } while (keyMarker);
      return found;
    },
    async lockOf(key, versionId) {
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );
      const lock: VersionLock = {};
      if (head.ObjectLockLegalHoldStatus) lock.legalHold = head.ObjectLockLegalHoldStatus;
      if (head.ObjectLockMode) lock.mode = head.ObjectLockMode;
      if (head.ObjectLockRetainUntilDate) lock.retainUntil = head.ObjectLockRetainUntilDate;
      return lock;
    },
    async deleteVersion(key, versionId, bypassGovernance) {
      await s3.send(
        new DeleteObjectCommand({
          Bucket: bucket,
          Key: key,
          VersionId: versionId,
          ...(bypassGovernance ? { BypassGovernanceRetention: true } : {}),
        }),
      );
    },
    async putReceipt(key, text) {
      // An SDK checksum: a bucket under Object Lock refuses a PUT without one.
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: text,
          ContentType: 'application/json',
          ChecksumAlgorithm: 'SHA256',
          IfNoneMatch: '*',
        }),
      );
    },
    async callerIdentity() {
      if (!sts) return {};
      try {
        const who = await sts.send(new GetCallerIdentityCommand({}));
        return {
          ...(who.Arn ? { arn: who.Arn } : {}),
          ...(who.Account ? { account: who.Account } : {}),
        };
      } catch {
        // Who ran it is worth recording, not worth refusing an erasure over.
        return {};
      }
    },
  };
};
