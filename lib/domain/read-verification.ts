import type { S3Evidence } from './archive-proof.ts';

/**
 * What a read path (`get`, `export`, the browser) may say about an archived object. The same rule
 * as before a DELETE (`archive-proof.ts`): only S3's own checksum and the message record count;
 * the object's user metadata is compared when present (a disagreement is damage) but never vouches.
 *
 * - `record`: the bytes (or, without a read, S3's full-object SHA-256 of them) equal the size and
 *   SHA-256 the message record holds — a digest S3 confirmed when the media was archived, so an
 *   object replaced since then fails here even when its new checksum and metadata agree.
 * - `s3-checksum`: no record names the media; S3's own full-object SHA-256 matches the bytes. That
 *   proves S3 hands back what it stored, not that what it stored is what was archived. The MD5
 *   ETag does not count here: every single-part PUT gets one, so any replacement would pass, while
 *   the archiver always writes a SHA-256 and a plain overwrite (CRC32/CRC64 by default) has none.
 * - `none`: nothing but metadata speaks for the bytes.
 */
export type VerifiedAgainst = 'record' | 's3-checksum' | 'none';

/** What was observed of the object: its size, and its digests when its bytes were read. */
export interface ObservedObject {
  size: number;
  /** Hex SHA-256 of the bytes read; absent for a HEAD-only look (the browser's pages). */
  sha256Hex?: string | undefined;
}

export interface ReadEvidence {
  /** From the GET/HEAD with `ChecksumMode: ENABLED`. */
  s3: S3Evidence;
  /** The message record's entry for this media; undefined when no (readable) record names it. */
  recorded?: { size: number; sha256: string } | undefined;
  /** `x-amz-meta-size` / `x-amz-meta-sha256`, as written by whoever wrote the object. */
  claimed?: { size?: number | undefined; sha256?: string | undefined } | undefined;
}

export type ReadVerdict =
  | { status: 'verified'; against: 'record' | 's3-checksum' }
  | { status: 'unverified'; against: 'none'; reason: string }
  | { status: 'damaged'; problems: string[] };

export const STORED_CHECKSUM_MISMATCH = 'its bytes differ from the SHA-256 S3 stored for it';

/** A read stopped before its end because the bytes differ from S3's own checksum (the SDK saw it). */
export class StoredChecksumMismatchError extends Error {
  constructor(
    readonly key: string,
    options?: ErrorOptions,
  ) {
    super(`${key}: ${STORED_CHECKSUM_MISMATCH}`, options);
    this.name = new.target.name;
  }
}

const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/** S3's full-object SHA-256 as hex; composite (multipart) checksums hash part hashes, not bytes. */
export const s3FullObjectSha256 = (evidence: S3Evidence): string | undefined => {
  const value = evidence.checksumSha256;
  if (!value || evidence.checksumType === 'COMPOSITE' || !SHA256_BASE64.test(value)) {
    return undefined;
  }
  return Buffer.from(value, 'base64').toString('hex');
};

/** One rule for every read path: damaged beats everything, then the strongest proof found. */
export const verifyReadBack = (observed: ObservedObject, evidence: ReadEvidence): ReadVerdict => {
  const problems: string[] = [];
  const s3Sha256 = s3FullObjectSha256(evidence.s3);
  const read = observed.sha256Hex?.toLowerCase();
  if (read !== undefined && s3Sha256 !== undefined && read !== s3Sha256) {
    problems.push(STORED_CHECKSUM_MISMATCH);
  }
  // Without a read, S3's own checksum stands for the stored bytes.
  const actual = read ?? s3Sha256;
  const { recorded, claimed } = evidence;
  if (recorded) {
    if (recorded.size !== observed.size) {
      problems.push(`${observed.size} bytes, the message record says ${recorded.size}`);
    }
    if (actual !== undefined && actual !== recorded.sha256.toLowerCase()) {
      problems.push('its SHA-256 differs from the message record');
    }
  }
  if (claimed?.size !== undefined && claimed.size !== observed.size) {
    problems.push(`${observed.size} bytes, its metadata says ${claimed.size}`);
  }
  if (
    claimed?.sha256 !== undefined &&
    actual !== undefined &&
    claimed.sha256.toLowerCase() !== actual
  ) {
    problems.push('its SHA-256 differs from its metadata');
  }
  if (problems.length > 0) return { status: 'damaged', problems };
  if (recorded && actual !== undefined) return { status: 'verified', against: 'record' };
  // Equal to the bytes read, or (HEAD only) standing for them.
  if (s3Sha256 !== undefined) return { status: 'verified', against: 's3-checksum' };
  return {
    status: 'unverified',
    against: 'none',
    reason: recorded
      ? 'S3 holds no SHA-256 for it: only its size matches the message record'
      : 'S3 holds no SHA-256 of its bytes and no message record names it',
  };
};

/** One line for a verdict: what it was checked against, or what is wrong. */
export const describeVerdict = (verdict: ReadVerdict): string => {
  if (verdict.status === 'damaged') return `damaged: ${verdict.problems.join('; ')}`;
  if (verdict.status === 'unverified') return `not verified: ${verdict.reason}`;
  return verdict.against === 'record'
    ? "verified against the message record (S3's checksum at archive time)"
    : "verified against S3's own checksum (no message record names it)";
};
