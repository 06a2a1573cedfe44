/**
 * What an erasure may delete, and the receipt that proves it ran. One rule, one place: a version
 * under a legal hold or COMPLIANCE retention is never touched; GOVERNANCE retention only when the
 * operator asked to bypass it (and holds s3:BypassGovernanceRetention).
 */

export const ERASURE_RECEIPT_SCHEMA = 'twilio-media-archiver/erasure-receipt';
export const ERASURE_RECEIPT_VERSION = 1;

export interface VersionLock {
  legalHold?: 'ON' | 'OFF';
  mode?: string;
  retainUntil?: Date;
}

export type EraseVerdict =
  | { action: 'delete'; bypassGovernance: boolean }
  | { action: 'retain'; reason: string };

export const eraseVerdict = (
  lock: VersionLock,
  now: Date,
  bypassGovernance: boolean,
): EraseVerdict => {
  if (lock.legalHold === 'ON') return { action: 'retain', reason: 'legal hold' };
  const until = lock.retainUntil;
  if (lock.mode && until && until.getTime() > now.getTime()) {
    const when = until.toISOString();
    if (lock.mode === 'COMPLIANCE') {
      return { action: 'retain', reason: `COMPLIANCE retention until ${when}` };
    }
    if (lock.mode === 'GOVERNANCE' && !bypassGovernance) {
      return {
        action: 'retain',
        reason: `GOVERNANCE retention until ${when} (--bypass-governance deletes it)`,
      };
    }
    if (lock.mode === 'GOVERNANCE') return { action: 'delete', bypassGovernance: true };
    return { action: 'retain', reason: `unknown retention mode ${lock.mode} until ${when}` };
  }
  return { action: 'delete', bypassGovernance: false };
};

export interface ErasedVersion {
  key: string;
  versionId: string;
  deleteMarker?: boolean;
}

export interface RetainedVersion extends ErasedVersion {
  reason: string;
}

export interface ErasureReceipt {
  schema: typeof ERASURE_RECEIPT_SCHEMA;
  version: typeof ERASURE_RECEIPT_VERSION;
  erasedAt: string;
  /** Who ran it: the caller's ARN (STS GetCallerIdentity) when the endpoint answers. */
  by: { arn?: string; account?: string };
  request:
    | { kind: 'participant'; since: string; until: string; accounts: string[] }
    | { kind: 'message'; messageSid: string };
  /** Each matched message by SID only: the receipt names no address, not even as a pseudonym. */
  messages: { accountSid: string; messageSid: string; receivedAt?: string }[];
  counts: { messages: number; keys: number; versionsDeleted: number; versionsRetained: number };
  deleted: ErasedVersion[];
  retained: RetainedVersion[];
}

/**
 * `_erasures/{YYYY-MM-DDTHH-MM-SS.sssZ}-{id}.json`, beside the archive prefix, not under it: the
 * bucket policy lets no one but the archiver write under the prefix (infra/archive-bucket.yml),
 * and a receipt is the operator's. Sorts by time; create-only.
 */
export const ERASURE_RECEIPT_PREFIX = '_erasures/';
export const erasureReceiptKey = (at: Date, id: string): string =>
  `${ERASURE_RECEIPT_PREFIX}${at.toISOString().replace(/:/g, '-')}-${id}.json`;

export const serializeErasureReceipt = (receipt: ErasureReceipt): string =>
  `${JSON.stringify(receipt, null, 2)}\n`;
