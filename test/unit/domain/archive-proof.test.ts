import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  deletableWith,
  provenStoredCopy,
  s3Confirms,
  wholeness,
} from '../../../lib/domain/archive-proof.ts';

const BYTES = Buffer.from('the media Twilio serves');
const SHA = createHash('sha256').update(BYTES).digest('hex');
const SHA_B64 = createHash('sha256').update(BYTES).digest('base64');
const MD5 = createHash('md5').update(BYTES).digest('hex');
const digest = { size: BYTES.length, sha256Hex: SHA, md5Hex: MD5 };
const metadata = { sha256: SHA, size: String(BYTES.length), md5: MD5 };

describe('s3Confirms', () => {
  it("takes S3's full-object SHA-256 or a plain MD5 ETag, the checksum first", () => {
    // Act / Assess
    expect(s3Confirms({ checksumSha256: SHA_B64, etag: `"${MD5}"` }, digest)).toBe('s3-checksum');
    expect(s3Confirms({ etag: `"${MD5}"` }, digest)).toBe('md5-etag');
    expect(s3Confirms({ etag: `"${MD5}"`, serverSideEncryption: 'AES256' }, digest)).toBe(
      'md5-etag',
    );
  });

  it('refuses a KMS or multipart ETag, a composite checksum, and an ETag without our MD5', () => {
    // Act / Assess
    expect(
      s3Confirms({ etag: `"${MD5}"`, serverSideEncryption: 'aws:kms' }, digest),
    ).toBeUndefined();
    expect(s3Confirms({ etag: `"${MD5}-2"` }, digest)).toBeUndefined();
    expect(
      s3Confirms({ checksumSha256: SHA_B64, checksumType: 'COMPOSITE' }, digest),
    ).toBeUndefined();
    expect(s3Confirms({ etag: `"${MD5}"` }, { size: digest.size, sha256Hex: SHA })).toBeUndefined();
    expect(s3Confirms({}, digest)).toBeUndefined();
  });
});

describe('provenStoredCopy', () => {
  it('trusts a copy only where S3 vouches for the digest its metadata names', () => {
    // Prepare
    const base = { size: BYTES.length, metadata };

    // Act / Assess
    expect(provenStoredCopy({ ...base, etag: `"${MD5}"` })).toEqual({
      size: BYTES.length,
      sha256Hex: SHA,
      wholeBy: 'stored-copy',
      s3: 'md5-etag',
    });
    expect(provenStoredCopy({ ...base, checksumSha256: SHA_B64 })?.s3).toBe('s3-checksum');
  });

  it('refuses self-consistent metadata alone, other bytes, and a size that disagrees', () => {
    // Prepare
    const otherMd5 = createHash('md5').update('other bytes').digest('hex');

    // Act / Assess
    expect(provenStoredCopy({ size: BYTES.length, metadata })).toBeUndefined();
    expect(
      provenStoredCopy({ size: BYTES.length, metadata, etag: `"${otherMd5}"` }),
    ).toBeUndefined();
    expect(
      provenStoredCopy({ size: BYTES.length + 1, metadata, checksumSha256: SHA_B64 }),
    ).toBeUndefined();
    expect(
      provenStoredCopy({ size: BYTES.length, metadata: { size: metadata.size }, etag: `"${MD5}"` }),
    ).toBeUndefined();
    expect(provenStoredCopy(undefined)).toBeUndefined();
  });
});

describe('wholeness', () => {
  it('is proven by a matching announced length alone', () => {
    // Act / Assess
    expect(wholeness({ size: 5, sha256Hex: SHA, announcedLength: 5 })).toBe('announced-length');
  });

  it('asks for a second download without a usable length, and needs the same SHA-256', () => {
    // Prepare
    const first = { size: 5, sha256Hex: SHA };

    // Act / Assess
    expect(wholeness(first)).toBeUndefined();
    expect(wholeness({ ...first, announcedLength: 9 })).toBeUndefined();
    expect(wholeness(first, { size: 5, sha256Hex: SHA })).toBe('two-downloads');
    expect(wholeness(first, { size: 4, sha256Hex: 'f'.repeat(64) })).toEqual({
      disagree: expect.stringMatching(/two downloads without a usable Content-Length differ/),
    });
  });
});

describe('deletableWith', () => {
  it('opens the DELETE only with a proof of both halves', () => {
    // Act / Assess
    expect(
      deletableWith({ size: 1, sha256Hex: SHA, wholeBy: 'two-downloads', s3: 'md5-etag' }),
    ).toBe(true);
    expect(deletableWith(undefined)).toBe(false);
  });
});

describe('provenStoredCopy of a one-pass write (size metadata, no sha256)', () => {
  it("takes S3's full-object SHA-256 over exactly the size the metadata names", () => {
    // Act
    const proof = provenStoredCopy({
      size: BYTES.length,
      checksumSha256: SHA_B64,
      checksumType: 'FULL_OBJECT',
      metadata: { size: String(BYTES.length) },
    });

    // Assess
    expect(proof).toEqual({
      size: BYTES.length,
      sha256Hex: SHA,
      wholeBy: 'stored-copy',
      s3: 's3-checksum',
    });
  });

  it('refuses a short object, a composite checksum, no checksum, or no size metadata', () => {
    // Act / Assess
    const base = { checksumSha256: SHA_B64, metadata: { size: String(BYTES.length) } };
    expect(provenStoredCopy({ ...base, size: BYTES.length - 1 })).toBeUndefined();
    expect(
      provenStoredCopy({ ...base, size: BYTES.length, checksumType: 'COMPOSITE' }),
    ).toBeUndefined();
    expect(
      provenStoredCopy({ size: BYTES.length, etag: `"${MD5}"`, metadata: base.metadata }),
    ).toBeUndefined();
    expect(
      provenStoredCopy({ size: BYTES.length, checksumSha256: SHA_B64, metadata: {} }),
    ).toBeUndefined();
  });

  it("still compares a copy's metadata sha256 with S3's checksum when it has one", () => {
    // Act / Assess
    const other = createHash('sha256').update('other bytes').digest('hex');
    expect(
      provenStoredCopy({
        size: BYTES.length,
        checksumSha256: SHA_B64,
        metadata: { sha256: other, size: String(BYTES.length) },
      }),
    ).toBeUndefined();
  });
});
