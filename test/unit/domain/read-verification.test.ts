import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyReadBack } from '../../../lib/domain/read-verification.ts';

const ORIGINAL = Buffer.from('the media as Twilio served it');
const REPLACED = Buffer.from('other bytes, written later...');
const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const md5Hex = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const s3Sha256 = (bytes: Buffer) => ({
  checksumSha256: createHash('sha256').update(bytes).digest('base64'),
  checksumType: 'FULL_OBJECT',
});
const read = (bytes: Buffer) => ({ size: bytes.length, sha256Hex: sha256Hex(bytes) });
const recordOf = (bytes: Buffer) => ({ size: bytes.length, sha256: sha256Hex(bytes) });
/** What a replacement writes when it wants to look archived: metadata of its own bytes. */
const claimsOf = (bytes: Buffer) => ({ size: bytes.length, sha256: sha256Hex(bytes) });

describe('verifyReadBack', () => {
  it('verifies the bytes read against the message record when one names the media', () => {
    // Act
    const verdict = verifyReadBack(read(ORIGINAL), {
      s3: s3Sha256(ORIGINAL),
      recorded: recordOf(ORIGINAL),
      claimed: claimsOf(ORIGINAL),
    });

    // Assess
    expect(verdict).toEqual({ status: 'verified', against: 'record' });
  });

  it('calls an object replaced with self-consistent checksum and metadata damaged, by its record', () => {
    // Act
    const verdict = verifyReadBack(read(REPLACED), {
      s3: s3Sha256(REPLACED),
      recorded: recordOf(ORIGINAL),
      claimed: claimsOf(REPLACED),
    });

    // Assess
    expect(verdict).toEqual({
      status: 'damaged',
      problems: ['its SHA-256 differs from the message record'],
    });
  });

  it('without a record, trusts S3 own SHA-256 of the bytes, never the metadata', () => {
    // Act
    const withChecksum = verifyReadBack(read(REPLACED), {
      s3: s3Sha256(REPLACED),
      claimed: claimsOf(REPLACED),
    });
    const metadataOnly = verifyReadBack(read(REPLACED), {
      s3: { etag: '"not-an-md5"' },
      claimed: claimsOf(REPLACED),
    });

    // Assess
    expect(withChecksum).toEqual({ status: 'verified', against: 's3-checksum' });
    expect(metadataOnly).toMatchObject({ status: 'unverified', against: 'none' });
  });

  it('does not take an MD5 ETag as proof: every plain overwrite gets one of its new bytes', () => {
    // Act
    const verdict = verifyReadBack(read(REPLACED), {
      s3: { etag: `"${md5Hex(REPLACED)}"` },
      claimed: claimsOf(REPLACED),
    });

    // Assess
    expect(verdict).toEqual({
      status: 'unverified',
      against: 'none',
      reason: 'S3 holds no SHA-256 of its bytes and no message record names it',
    });
  });

  it('calls bytes that differ from S3 stored SHA-256 damaged, even where the record agrees', () => {
    // Act
    const verdict = verifyReadBack(read(ORIGINAL), {
      s3: s3Sha256(REPLACED),
      recorded: recordOf(ORIGINAL),
    });

    // Assess
    expect(verdict).toEqual({
      status: 'damaged',
      problems: ['its bytes differ from the SHA-256 S3 stored for it'],
    });
  });

  it('ignores a composite (multipart) SHA-256: it hashes part hashes, not the bytes', () => {
    // Act
    const verdict = verifyReadBack(read(ORIGINAL), {
      s3: { checksumSha256: s3Sha256(ORIGINAL).checksumSha256, checksumType: 'COMPOSITE' },
    });

    // Assess
    expect(verdict.status).toBe('unverified');
  });

  it('flags metadata that disagrees with the bytes, though agreeing metadata proves nothing', () => {
    // Act
    const verdict = verifyReadBack(read(ORIGINAL), {
      s3: s3Sha256(ORIGINAL),
      claimed: { size: ORIGINAL.length + 1, sha256: '0'.repeat(64) },
    });

    // Assess
    expect(verdict).toEqual({
      status: 'damaged',
      problems: [
        `${ORIGINAL.length} bytes, its metadata says ${ORIGINAL.length + 1}`,
        'its SHA-256 differs from its metadata',
      ],
    });
  });

  describe('without a read (HEAD only, as the browser pages look)', () => {
    it("compares S3's full-object SHA-256 with the record", () => {
      // Act
      const healthy = verifyReadBack(
        { size: ORIGINAL.length },
        { s3: s3Sha256(ORIGINAL), recorded: recordOf(ORIGINAL) },
      );
      const replaced = verifyReadBack(
        { size: REPLACED.length },
        { s3: s3Sha256(REPLACED), recorded: recordOf(ORIGINAL) },
      );

      // Assess
      expect(healthy).toEqual({ status: 'verified', against: 'record' });
      expect(replaced.status).toBe('damaged');
    });

    it('calls a 128-byte object damaged by its size, and a media S3 has no checksum for unverified', () => {
      // Act
      const shrunk = verifyReadBack({ size: 128 }, { s3: {}, recorded: recordOf(ORIGINAL) });
      const sizeOnly = verifyReadBack(
        { size: ORIGINAL.length },
        { s3: {}, recorded: recordOf(ORIGINAL) },
      );
      const nothing = verifyReadBack({ size: 128 }, { s3: {}, claimed: { size: 128 } });

      // Assess
      expect(shrunk).toEqual({
        status: 'damaged',
        problems: [`128 bytes, the message record says ${ORIGINAL.length}`],
      });
      expect(sizeOnly).toMatchObject({ status: 'unverified', against: 'none' });
      expect(nothing).toMatchObject({ status: 'unverified', against: 'none' });
    });
  });
});
