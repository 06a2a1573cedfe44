import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { readEvidenceOf, verifyingStream } from '../../../lib/use-cases/verify-read.ts';

const collect = () => {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { chunks, sink };
};

describe('verifyingStream', () => {
  it('passes every byte through and measures them', async () => {
    // Prepare
    const { chunks, sink } = collect();
    const stream = verifyingStream(() => undefined);

    // Act
    await pipeline(Readable.from([Buffer.from('abc'), Buffer.from('def')]), stream, sink);

    // Assess
    expect(Buffer.concat(chunks).toString()).toBe('abcdef');
    expect(stream.observed()).toEqual({
      size: 6,
      sha256Hex: 'bef57ec7f53a6d40beb640a780a639c83bc29ac8a9816f1fc6c5c6dcd93c4721',
    });
  });

  it('holds the last chunk back when the check fails: no reader gets a whole body', async () => {
    // Prepare
    const { chunks, sink } = collect();
    const stream = verifyingStream(() => new Error('damaged'));

    // Act
    const piped = pipeline(Readable.from([Buffer.from('abc'), Buffer.from('def')]), stream, sink);

    // Assess
    await expect(piped).rejects.toThrow('damaged');
    expect(Buffer.concat(chunks).toString()).toBe('abc');
  });
});

describe('readEvidenceOf', () => {
  it("takes the record's entry for the media by its SID, and metadata only as a claim", () => {
    // Prepare
    const key = `media/AC${'a'.repeat(32)}/2026/12/01/MM${'1'.repeat(32)}/ME${'2'.repeat(32)}.jpg`;
    const recorded = { mediaSid: `ME${'2'.repeat(32)}`, size: 5, sha256: 'ab'.repeat(32) };
    const other = { mediaSid: `ME${'3'.repeat(32)}`, size: 6, sha256: 'cd'.repeat(32) };

    // Act
    const evidence = readEvidenceOf(
      { s3: { etag: '"e"' }, size: 5, metadataSha256: 'ef'.repeat(32) },
      {
        state: 'found',
        key: 'k',
        bytes: Buffer.from('{}'),
        s3: {},
        record: { media: [other, recorded] } as never,
      },
      key,
    );

    // Assess
    expect(evidence).toEqual({
      s3: { etag: '"e"' },
      recorded: { size: 5, sha256: 'ab'.repeat(32) },
      claimed: { size: 5, sha256: 'ef'.repeat(32) },
    });
  });
});
