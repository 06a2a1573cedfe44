/** Object Lock legal holds on archived objects; lib/adapters/s3/s3-legal-holds.ts implements it. */

/** The bucket's Object Lock as S3 answered: enabled, or what S3 said instead. */
export type ObjectLockState = { enabled: true } | { enabled: false; answer: string };

export interface LegalHolds {
  /** Read before any write: a hold on a bucket without Object Lock must change nothing. */
  objectLock(): Promise<ObjectLockState>;
  /** Sets or releases one object's legal hold; other errors pass through as S3 raised them. */
  setLegalHold(key: string, status: 'ON' | 'OFF'): Promise<void>;
}
