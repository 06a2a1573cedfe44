import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ArchiveProof,
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

describe('s3Confirms: what counts as an MD5 ETag', () => {
  it('refuses an ETag equal to the MD5 under any KMS encryption, in any case', () => {
    // Act / Assess
    for (const serverSideEncryption of ['aws:kms:dsse', 'AWS:KMS', 'aws:kms']) {
      expect(s3Confirms({ etag: `"${MD5}"`, serverSideEncryption }, digest)).toBeUndefined();
    }
  });

  it('anchors the hex check: a multipart-shaped ETag never matches, even one equal to the claim', () => {
    // Prepare: metadata anyone could write may claim an "MD5" that is the multipart ETag itself
    const multipart = `${MD5}-2`;

    // Act / Assess
    expect(
      s3Confirms({ etag: `"${multipart}"` }, { ...digest, md5Hex: multipart }),
    ).toBeUndefined();
    expect(s3Confirms({ etag: `"x${MD5}"` }, { ...digest, md5Hex: `x${MD5}` })).toBeUndefined();
  });

  it('refuses an ETag that is no MD5 when we hold no MD5 either', () => {
    // Prepare
    const noMd5 = { size: digest.size, sha256Hex: SHA };

    // Act / Assess
    expect(s3Confirms({ etag: `"${MD5}-2"` }, noMd5)).toBeUndefined();
    expect(s3Confirms({ etag: `"${MD5}"`, serverSideEncryption: 'aws:kms' }, noMd5)).toBe(
      undefined,
    );
    expect(s3Confirms({}, noMd5)).toBeUndefined();
  });

  it('reads quotes only at the ends of the ETag', () => {
    // Prepare
    const split = `"${MD5.slice(0, 16)}"${MD5.slice(16)}"`;

    // Act / Assess
    expect(s3Confirms({ etag: split }, digest)).toBeUndefined();
  });

  it('takes the ETag quoted or bare, but only the MD5 of these bytes', () => {
    // Act / Assess
    expect(s3Confirms({ etag: MD5 }, digest)).toBe('md5-etag');
    expect(s3Confirms({ etag: `"${MD5}"` }, { ...digest, md5Hex: 'f'.repeat(32) })).toBeUndefined();
  });

  it('takes a FULL_OBJECT checksum and refuses one that names other bytes', () => {
    // Prepare
    const otherB64 = createHash('sha256').update('other bytes').digest('base64');

    // Act / Assess
    expect(s3Confirms({ checksumSha256: SHA_B64, checksumType: 'FULL_OBJECT' }, digest)).toBe(
      's3-checksum',
    );
    expect(s3Confirms({ checksumSha256: otherB64 }, { size: digest.size, sha256Hex: SHA })).toBe(
      undefined,
    );
  });
});

describe('provenStoredCopy: metadata that does not name a well-formed digest', () => {
  const stored = (metadata: Record<string, string>) => ({
    size: BYTES.length,
    etag: `"${MD5}"`,
    metadata,
  });

  it.each([
    ['no sha256', { size: String(BYTES.length), md5: MD5 }],
    ['an empty sha256', { sha256: '', size: String(BYTES.length), md5: MD5 }],
    ['a sha256 with a prefix', { sha256: `x${SHA}`, size: String(BYTES.length), md5: MD5 }],
    ['a sha256 with a suffix', { sha256: `${SHA}x`, size: String(BYTES.length), md5: MD5 }],
    ['an upper-case sha256', { sha256: SHA.toUpperCase(), size: String(BYTES.length), md5: MD5 }],
  ])('refuses %s even with an MD5 ETag matching its md5', (_name, metadata) => {
    // Act / Assess
    expect(provenStoredCopy(stored(metadata))).toBeUndefined();
  });

  it.each([
    ['a decimal size', `${BYTES.length}.0`],
    ['a signed size', `+${BYTES.length}`],
    ['a padded size', ` ${BYTES.length}`],
    ['a size with a suffix', `${BYTES.length}x`],
    ['an empty size', ''],
  ])('refuses %s', (_name, size) => {
    // Act / Assess
    expect(provenStoredCopy({ ...stored({ ...metadata, size }), checksumSha256: SHA_B64 })).toBe(
      undefined,
    );
  });

  it('does not carry a malformed md5 into the digest an ETag is compared with', () => {
    // Prepare: an ETag S3 would send for a two-part upload, and metadata claiming it as "md5"
    const multipart = `${MD5}-2`;

    // Act / Assess
    expect(
      provenStoredCopy({
        size: BYTES.length,
        etag: `"${multipart}"`,
        metadata: { ...metadata, md5: multipart },
      }),
    ).toBeUndefined();
    expect(
      provenStoredCopy({
        size: BYTES.length,
        etag: `"${MD5}"`,
        metadata: { ...metadata, md5: `x${MD5}` },
      }),
    ).toBeUndefined();
  });
});

describe('wholeness: the two downloads must agree on both size and digest', () => {
  it('refuses a second download of another size with the same digest, and the reverse', () => {
    // Prepare
    const first = { size: 5, sha256Hex: SHA };

    // Act / Assess
    expect(wholeness(first, { size: 6, sha256Hex: SHA })).toHaveProperty('disagree');
    expect(wholeness(first, { size: 5, sha256Hex: 'f'.repeat(64) })).toHaveProperty('disagree');
  });

  it('names both downloads by size and a digest prefix', () => {
    // Act
    const result = wholeness({ size: 5, sha256Hex: SHA }, { size: 4, sha256Hex: 'f'.repeat(64) });

    // Assess
    expect(result).toEqual({
      disagree:
        'two downloads without a usable Content-Length differ ' +
        `(5 bytes sha256 ${SHA.slice(0, 12)}…, 4 bytes sha256 ffffffffffff…)`,
    });
  });

  it('is whole by announced length even when a second download was made', () => {
    // Act / Assess
    expect(
      wholeness({ size: 5, sha256Hex: SHA, announcedLength: 5 }, { size: 4, sha256Hex: SHA }),
    ).toBe('announced-length');
  });
});

describe('deletableWith: the gate checks both halves itself', () => {
  const proof = { size: 1, sha256Hex: SHA } as const;

  it.each([
    ['announced-length', 's3-checksum'],
    ['two-downloads', 'md5-etag'],
    ['stored-copy', 's3-checksum'],
  ] as const)('opens for a copy whole by %s and confirmed by %s', (wholeBy, s3) => {
    // Act / Assess
    expect(deletableWith({ ...proof, wholeBy, s3 })).toBe(true);
  });

  it.each([
    ['an unknown S3 proof', { wholeBy: 'announced-length', s3: 'metadata' }],
    ['no S3 proof', { wholeBy: 'announced-length', s3: '' }],
    ['an unknown wholeness', { wholeBy: 'one-download', s3: 's3-checksum' }],
    ['no wholeness', { wholeBy: '', s3: 'md5-etag' }],
  ])('stays shut for %s', (_name, halves) => {
    // Prepare: a value built around the type, as a bug or a cast would build it
    const forged = { ...proof, ...halves } as unknown as ArchiveProof;

    // Act / Assess
    expect(deletableWith(forged)).toBe(false);
  });
});
