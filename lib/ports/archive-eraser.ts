import type { VersionLock } from '../domain/erasure.ts';

/** Every version of an archive key, and the deletes an erasure needs (operator credentials). */
export interface ArchiveEraser {
  /** Versions and delete markers of every key under this prefix (current or not). */
  versionsUnder(
    prefix: string,
  ): Promise<{ key: string; versionId: string; deleteMarker: boolean }[]>;
  lockOf(key: string, versionId: string): Promise<VersionLock>;
  deleteVersion(key: string, versionId: string, bypassGovernance: boolean): Promise<void>;
  /** Create-only. */
  putReceipt(key: string, text: string): Promise<void>;
  callerIdentity(): Promise<{ arn?: string; account?: string }>;
}
