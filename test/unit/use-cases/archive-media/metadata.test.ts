import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { MediaDownload } from '../../../../lib/ports/pipeline.ts';
import {
  asciiMetadataValue,
  metadataFor,
} from '../../../../lib/use-cases/archive-media/metadata.ts';
import { makeMediaBody } from '../../../helpers/media-fixtures.ts';
import { mediaJobFactory } from '../../../helpers/sqs-event.ts';

const download = (overrides: Partial<MediaDownload> = {}): MediaDownload => ({
  status: 'ok',
  body: Readable.from([makeMediaBody(4, 1)]),
  contentType: 'image/jpeg',
  ...overrides,
});

describe('asciiMetadataValue', () => {
  it('keeps printable ASCII as it is', () => {
    // Prepare
    const value = 'photo of the "harbour" (2).jpg';

    // Act
    const written = asciiMetadataValue(value);

    // Assess
    expect(written).toBe(value);
  });

  it('percent-encodes non-ASCII so decodeURIComponent reads it back', () => {
    // Prepare
    const value = 'Grüße 😀.jpg';

    // Act
    const written = asciiMetadataValue(value);

    // Assess
    expect(written).toMatch(/^[\x20-\x7e]*$/);
    expect(written).not.toBe(value);
    expect(decodeURIComponent(written)).toBe(value);
  });

  it('percent-encodes a value with `%`, which would otherwise decode into something else', () => {
    // Prepare
    const value = '100%25 sure.png';

    // Act
    const written = asciiMetadataValue(value);

    // Assess
    expect(written).toBe('100%2525%20sure.png');
    expect(decodeURIComponent(written)).toBe(value);
  });

  it('encodes control characters (not printable in a header)', () => {
    // Act
    const written = asciiMetadataValue('a\r\nb\tc');

    // Assess
    expect(written).toBe('a%0D%0Ab%09c');
  });

  it('keeps printable ASCII of exactly 512 characters unchanged', () => {
    // Prepare
    const value = 'x'.repeat(512);

    // Act / Assess
    expect(asciiMetadataValue(value)).toBe(value);
  });

  it('caps a longer value at 512 characters, as a decodable prefix of the original', () => {
    // Prepare
    const value = 'y'.repeat(600);

    // Act
    const written = asciiMetadataValue(value);

    // Assess
    expect(written.length).toBeLessThanOrEqual(512);
    expect(value.startsWith(decodeURIComponent(written))).toBe(true);
    expect(decodeURIComponent(written).length).toBe(512);
  });

  it('cuts a long multi-byte value between characters, never inside an escape', () => {
    // Prepare: each emoji encodes to 12 characters, so 512 is not a multiple of it.
    const value = '😀'.repeat(100);

    // Act
    const written = asciiMetadataValue(value);

    // Assess
    expect(written.length).toBeLessThanOrEqual(512);
    const decoded = decodeURIComponent(written);
    expect(decoded).toBe('😀'.repeat(42));
  });
});

describe('metadataFor', () => {
  it('writes the job identifiers, size and received-at; sha256 only when measured', () => {
    // Prepare
    const job = mediaJobFactory();

    // Act
    const oneDigest = metadataFor(job, { size: 42, sha256Hex: 'ab'.repeat(32) }, download());
    const onePass = metadataFor(job, { size: 42 }, download());

    // Assess
    expect(oneDigest).toEqual({
      'account-sid': job.accountSid,
      'message-sid': job.messageSid,
      'media-sid': job.mediaSid,
      sha256: 'ab'.repeat(32),
      size: '42',
      'received-at': job.receivedAt,
    });
    expect(onePass).not.toHaveProperty('sha256');
    expect(onePass.size).toBe('42');
  });

  it('leaves out every optional field the download and job do not have', () => {
    // Prepare
    const job = mediaJobFactory();
    delete job.from;
    delete job.to;

    // Act
    const metadata = metadataFor(job, { size: 1 }, download());

    // Assess
    for (const field of [
      'source-etag',
      'source-last-modified',
      'original-filename',
      'from',
      'to',
    ]) {
      expect(metadata).not.toHaveProperty(field);
    }
  });

  it('adds the optional fields, ASCII-safe', () => {
    // Prepare
    const job = mediaJobFactory({ from: 'whatsapp:+15550001111', to: '+15550002222' });
    const answer = download({
      etag: '"abc"',
      lastModified: 'Tue, 04 Mar 2025 05:06:07 GMT',
      filename: 'café.jpg',
    });

    // Act
    const metadata = metadataFor(job, { size: 1 }, answer);

    // Assess
    expect(metadata['source-etag']).toBe('"abc"');
    expect(metadata['source-last-modified']).toBe('Tue, 04 Mar 2025 05:06:07 GMT');
    expect(metadata['original-filename']).toBe('caf%C3%A9.jpg');
    expect(metadata.from).toBe('whatsapp:+15550001111');
    expect(metadata.to).toBe('+15550002222');
  });
});
