/**
 * The one rule that guards every DELETE at Twilio: the media is deleted only when this invocation
 * holds proof that S3 stores exactly the bytes Twilio serves for the Media SID. Proof has two
 * halves, and both must come from someone other than whoever wrote the object's metadata:
 *
 * - the bytes are whole: they arrived with the length the media host announced, or — with no
 *   usable length (close-delimited or compressed transfer) — two independent downloads agreed on
 *   their SHA-256;
 * - S3 confirmed them: it echoed the SHA-256 we sent, its HEAD (`ChecksumMode: ENABLED`) reads
 *   back its own full-object SHA-256, or the ETag of a single-part, non-KMS object is their MD5.
 *
 * A copy found at the key (redelivery, 404 after a duplicate, backfill) is trusted without a
 * download only when S3's own checksum or MD5 ETag matches the digest its metadata claims:
 * metadata alone is something anyone with `PutObject` could have written. A one-pass write knows
 * its SHA-256 only after the headers left, so its metadata names the size alone: S3's own
 * full-object SHA-256 over exactly that many stored bytes is then the digest (a body that ended
 * short or long was refused before its end and never stored).
 */

/** What S3 itself says about stored (or just written) bytes. */
export interface S3Evidence {
  /** ETag as S3 sends it (quotes allowed). */
  etag?: string | undefined;
  /** Base64 SHA-256 S3 computed or validated (PUT echo, or HEAD with `ChecksumMode: ENABLED`). */
  checksumSha256?: string | undefined;
  /** `FULL_OBJECT` or `COMPOSITE`; a composite SHA-256 is a hash of part hashes. */
  checksumType?: string | undefined;
  /** `AES256`, `aws:kms`, `aws:kms:dsse`: under KMS the ETag is not an MD5. */
  serverSideEncryption?: string | undefined;
}

export interface Digest {
  size: number;
  sha256Hex: string;
  /** Hex MD5; without it an ETag proves nothing. */
  md5Hex?: string | undefined;
}

export type S3Proof = 's3-checksum' | 'md5-etag';

/** How the bytes were shown to be whole. `stored-copy`: S3's proof of a copy found at the key. */
export type WholeBy = 'announced-length' | 'two-downloads' | 'stored-copy';

/** Holding one of these is the only way to reach Twilio's DELETE. */
export interface ArchiveProof {
  size: number;
  sha256Hex: string;
  wholeBy: WholeBy;
  s3: S3Proof;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MD5_HEX = /^[0-9a-f]{32}$/;

const base64ToHex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');

const unquote = (etag: string | undefined) => etag?.replace(/^"|"$/g, '');

/** The ETag as an MD5, when it is one: under SSE-KMS (and DSSE-KMS) it is not. */
const etagMd5 = (evidence: S3Evidence): string | undefined => {
  const etag = unquote(evidence.etag) ?? '';
  const kms = evidence.serverSideEncryption?.toLowerCase().startsWith('aws:kms') === true;
  return MD5_HEX.test(etag) && !kms ? etag : undefined;
};

/** Whether S3's own evidence confirms `expected`; the stronger proof first. */
export const s3Confirms = (evidence: S3Evidence, expected: Digest): S3Proof | undefined => {
  if (
    evidence.checksumSha256 !== undefined &&
    evidence.checksumType !== 'COMPOSITE' &&
    base64ToHex(evidence.checksumSha256) === expected.sha256Hex
  ) {
    return 's3-checksum';
  }
  // Without our MD5 (no `md5Hex`) an ETag proves nothing.
  const md5 = etagMd5(evidence);
  return md5 !== undefined && md5 === expected.md5Hex ? 'md5-etag' : undefined;
};

/** A stored object as far as the rule needs it. */
export interface StoredCopy extends S3Evidence {
  size: number;
  metadata: { sha256?: string | undefined; size?: string | undefined; md5?: string | undefined };
}

/** The digest an object's metadata claims, when its size and sha256 are well-formed and match. */
export const claimedDigest = (stored: StoredCopy): Digest | undefined => {
  const { sha256, size, md5 } = stored.metadata;
  if (size === undefined || !/^\d+$/.test(size) || Number(size) !== stored.size) return undefined;
  if (sha256 === undefined && stored.checksumSha256 && stored.checksumType !== 'COMPOSITE') {
    return { size: stored.size, sha256Hex: base64ToHex(stored.checksumSha256) };
  }
  if (sha256 === undefined || !SHA256_HEX.test(sha256)) return undefined;
  // The md5 is only ever compared with an ETag that is 32 hex digits itself.
  return { size: stored.size, sha256Hex: sha256, md5Hex: md5 };
};

/** Proof for a copy found at the key, or `undefined` when only its metadata vouches for it. */
export const provenStoredCopy = (stored: StoredCopy | undefined): ArchiveProof | undefined => {
  if (!stored) return undefined;
  const claimed = claimedDigest(stored);
  if (!claimed) return undefined;
  const s3 = s3Confirms(stored, claimed);
  return s3
    ? { size: claimed.size, sha256Hex: claimed.sha256Hex, wholeBy: 'stored-copy', s3 }
    : undefined;
};

/** A download as the spool measured it. */
export interface MeasuredDownload {
  size: number;
  sha256Hex: string;
  /** The announced length the body was checked against; absent when none was usable. */
  announcedLength?: number | undefined;
}

/**
 * How the bytes are known whole: a matching announced length, or a second download with the same
 * SHA-256. `undefined` means a second download is still needed; a reason string means the two
 * downloads disagree.
 */
export const wholeness = (
  first: MeasuredDownload,
  second?: MeasuredDownload,
): WholeBy | undefined | { disagree: string } => {
  if (first.announcedLength === first.size) {
    return 'announced-length';
  }
  // The bytes kept are the first download's: a second one proves them only by being equal.
  if (!second) return undefined;
  if (first.size === second.size && first.sha256Hex === second.sha256Hex) return 'two-downloads';
  return {
    disagree:
      `two downloads without a usable Content-Length differ ` +
      `(${first.size} bytes sha256 ${first.sha256Hex.slice(0, 12)}…, ` +
      `${second.size} bytes sha256 ${second.sha256Hex.slice(0, 12)}…)`,
  };
};

/** The gate in front of Twilio's DELETE: no proof, no delete. */
export const deletableWith = (proof: ArchiveProof | undefined): proof is ArchiveProof =>
  proof !== undefined &&
  (proof.s3 === 's3-checksum' || proof.s3 === 'md5-etag') &&
  ['announced-length', 'two-downloads', 'stored-copy'].includes(proof.wholeBy);
