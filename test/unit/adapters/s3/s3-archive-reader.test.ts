import {
  HeadObjectCommand,
  type HeadObjectCommandInput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createArchiveReader } from '../../../../lib/adapters/s3/s3-archive-reader.ts';
import {
  contentTypeForExtension,
  extensionFor,
  parseArchiveKey,
} from '../../../../lib/domain/archive-key.ts';

const AC = `AC${'a'.repeat(32)}`;
const AC2 = `AC${'b'.repeat(32)}`;
const MM = `MM${'1'.repeat(32)}`;
const me = (n: number) => `ME${String(n).padStart(32, '0')}`;
const key = (n: number, account = AC) => `media/${account}/2025/03/14/${MM}/${me(n)}.jpg`;

const s3Mock = mockClient(S3Client);

/** A tiny in-memory bucket answering ListObjectsV2 like S3 (sorted, paged, delimiter, start-after). */
const serveBucket = (keys: string[], pageSize = 1000) => {
  const sorted = [...keys].sort();
  const calls: ListObjectsV2CommandInput[] = [];
  s3Mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
    calls.push(input);
    const prefix = input.Prefix ?? '';
    const after = input.ContinuationToken ?? input.StartAfter ?? '';
    const limit = Math.min(input.MaxKeys ?? 1000, pageSize);
    const matching = sorted.filter((k) => k.startsWith(prefix) && k > after);
    if (input.Delimiter) {
      const prefixes = [
        ...new Set(
          matching
            .filter((k) => k.slice(prefix.length).includes(input.Delimiter as string))
            .map((k) => k.slice(0, k.indexOf(input.Delimiter as string, prefix.length) + 1)),
        ),
      ];
      return { CommonPrefixes: prefixes.map((p) => ({ Prefix: p })), IsTruncated: false };
    }
    const page = matching.slice(0, limit);
    const truncated = matching.length > limit;
    const output: Partial<ListObjectsV2CommandOutput> = {
      Contents: page.map((k) => ({ Key: k, Size: 10, LastModified: new Date(0) })),
      IsTruncated: truncated,
      ...(truncated ? { NextContinuationToken: page[page.length - 1] } : {}),
    };
    return output;
  });
  // HEAD answers from the same keys: 404 (NotFound) for the rest.
  s3Mock.on(HeadObjectCommand).callsFake((input: HeadObjectCommandInput) => {
    if (sorted.includes(input.Key ?? '')) return { ContentLength: 42, LastModified: new Date(0) };
    throw Object.assign(new Error('not found'), {
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    });
  });
  return calls;
};

afterEach(() => {
  s3Mock.reset();
});

describe('parseArchiveKey', () => {
  it('reads account, day, message, media and type from a key', () => {
    // Act
    const parts = parseArchiveKey('media/', key(1));

    // Assess
    expect(parts).toEqual({
      key: key(1),
      accountSid: AC,
      messageSid: MM,
      mediaSid: me(1),
      day: '2025-03-14',
      extension: '.jpg',
      contentType: 'image/jpeg',
    });
  });

  it('ignores index entries, other prefixes and foreign objects', () => {
    // Act & Assess
    expect(parseArchiveKey('media/', `media/_index/${MM}/${AC}/2025/03/14`)).toBeUndefined();
    expect(parseArchiveKey('other/', key(1))).toBeUndefined();
    expect(parseArchiveKey('media/', `media/${AC}/2025/03/14/${MM}/notes.txt`)).toBeUndefined();
  });
});

describe('contentTypeForExtension', () => {
  it('inverts extensionFor for the canonical types', () => {
    // Act & Assess
    for (const type of ['image/jpeg', 'image/png', 'application/pdf', 'audio/ogg', 'video/mp4']) {
      expect(contentTypeForExtension(extensionFor(type))).toBe(type);
    }
    expect(contentTypeForExtension('JPG')).toBe('image/jpeg');
    expect(contentTypeForExtension('.mp3')).toBe('audio/mpeg');
    expect(contentTypeForExtension('.3gp')).toBe('video/3gpp');
    expect(contentTypeForExtension('')).toBeUndefined();
  });
});

describe('createArchiveReader', () => {
  it('follows continuation tokens through every page of a day', async () => {
    // Prepare
    const calls = serveBucket(
      Array.from({ length: 5 }, (_, n) => key(n)),
      2,
    );
    const reader = createArchiveReader({ s3: new S3Client({}), bucket: 'b', prefix: 'media/' });

    // Act
    const entries = [];
    for await (const entry of reader.listDay(AC, '2025-03-14')) entries.push(entry.mediaSid);

    // Assess
    expect(entries).toEqual([0, 1, 2, 3, 4].map(me));
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({
      Prefix: `media/${AC}/2025/03/14/`,
      ContinuationToken: undefined,
    });
    expect(calls[1]?.ContinuationToken).toBe(key(1));
  });

  it('finds a message through its index entry in 2 listings, and HEADs its record', async () => {
    // Prepare
    const calls = serveBucket([
      key(1),
      key(2),
      `media/${AC}/2025/03/15/${MM.replace('1', '9')}/${me(3)}.jpg`,
      `media/_index/${MM}/${AC}/2025/03/14`,
    ]);
    const reader = createArchiveReader({ s3: new S3Client({}), bucket: 'b', prefix: 'media/' });

    // Act
    const entries = await reader.findMessage(MM);

    // Assess
    expect(entries.map((entry) => entry.mediaSid)).toEqual([me(1), me(2)]);
    expect(calls.map((call) => call.Prefix)).toEqual([
      `media/_index/${MM}/`,
      `media/${AC}/2025/03/14/${MM}/`,
    ]);
    expect(s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      `media/_records/${AC}/2025/03/14/${MM}.json`,
    ]);
  });

  it('finds a message that only its record indexes: the record days listed, one HEAD a day', async () => {
    // Prepare
    const record = `media/_records/${AC}/2025/03/14/${MM}.json`;
    const calls = serveBucket([
      key(1),
      key(2),
      key(3, AC2),
      record,
      `media/_records/${AC}/2025/03/15/${MM.replace('1', '9')}.json`,
      `media/_records/${AC}/2024/12/31/${MM.replace('1', '8')}.json`,
    ]);
    const reader = createArchiveReader({ s3: new S3Client({}), bucket: 'b', prefix: 'media/' });

    // Act
    const files = await reader.findMessageFiles?.(MM);

    // Assess
    expect(files?.entries.map((entry) => entry.key)).toEqual([key(1), key(2)]);
    expect(files?.records).toEqual([{ key: record, size: 42, archivedAt: new Date(0) }]);
    expect(calls.map((call) => `${call.Prefix}${call.Delimiter ? ' /' : ''}`)).toEqual([
      `media/_index/${MM}/`,
      'media/ /',
      `media/_records/${AC}/ /`,
      `media/_records/${AC}/2024/ /`,
      `media/_records/${AC}/2024/12/ /`,
      `media/_records/${AC}/2025/ /`,
      `media/_records/${AC}/2025/03/ /`,
      `media/_records/${AC2}/ /`,
      `media/${AC}/2025/03/14/${MM}/`,
    ]);
    expect(
      s3Mock
        .commandCalls(HeadObjectCommand)
        .map((c) => c.args[0].input.Key)
        .sort(),
    ).toEqual([
      `media/_records/${AC}/2024/12/31/${MM}.json`,
      `media/_records/${AC}/2025/03/14/${MM}.json`,
      `media/_records/${AC}/2025/03/15/${MM}.json`,
    ]);
  });

  it('with the day, finds a record-only message in one listing per account and one HEAD', async () => {
    // Prepare
    const record = `media/_records/${AC}/2025/03/14/${MM}.json`;
    const calls = serveBucket([key(1), record]);
    const reader = createArchiveReader({
      s3: new S3Client({}),
      bucket: 'b',
      prefix: 'media/',
      accountSid: AC,
    });

    // Act
    const files = await reader.findMessageFiles?.(MM, '2025-03-14');

    // Assess
    expect(files?.entries.map((entry) => entry.key)).toEqual([key(1)]);
    expect(files?.records.map((r) => r.key)).toEqual([record]);
    expect(calls.map((call) => call.Prefix)).toEqual([`media/${AC}/2025/03/14/${MM}/`]);
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(1);
  });

  it('lists accounts with the delimiter, and by skip-scan where no common prefixes come back', async () => {
    // Prepare
    serveBucket([key(1), key(2, AC2), `media/_index/${MM}/${AC}/2025/03/14`]);
    const reader = createArchiveReader({ s3: new S3Client({}), bucket: 'b', prefix: 'media/' });

    // Act
    const byDelimiter = await reader.accounts();
    s3Mock.reset();
    const calls = serveBucket([key(1), key(2), key(3, AC2), `media/_index/${MM}/${AC}/2025/03/14`]);
    s3Mock
      .on(ListObjectsV2Command, { Delimiter: '/' })
      .resolves({ CommonPrefixes: [], IsTruncated: false });
    const bySkipScan = await createArchiveReader({
      s3: new S3Client({}),
      bucket: 'b',
      prefix: 'media/',
    }).accounts();

    // Assess
    expect(byDelimiter).toEqual([AC, AC2]);
    expect(bySkipScan).toEqual([AC, AC2]);
    expect(calls.map((call) => call.StartAfter)).toEqual([
      undefined,
      `media/${AC}0`,
      `media/${AC2}0`,
      'media/_index0',
    ]);
  });

  it('uses the configured account without listing', async () => {
    // Prepare
    const calls = serveBucket([key(1)]);
    const reader = createArchiveReader({
      s3: new S3Client({}),
      bucket: 'b',
      prefix: 'media/',
      accountSid: AC2,
    });

    // Act
    const accounts = await reader.accounts();

    // Assess
    expect(accounts).toEqual([AC2]);
    expect(calls).toHaveLength(0);
  });

  it('scans the given days in order and stops at the media', async () => {
    // Prepare
    const calls = serveBucket([key(1), `media/${AC}/2025/03/15/${MM}/${me(7)}.png`]);
    const reader = createArchiveReader({
      s3: new S3Client({}),
      bucket: 'b',
      prefix: 'media/',
      accountSid: AC,
    });

    // Act
    const found = await reader.findMedia(me(1), {
      days: ['2025-03-16', '2025-03-15', '2025-03-14'],
    });
    const missing = await reader.findMedia(me(9), { days: ['2025-03-14'] });

    // Assess
    expect(found?.key).toBe(key(1));
    expect(missing).toBeUndefined();
    expect(calls.map((call) => call.Prefix)).toEqual([
      `media/${AC}/2025/03/16/`,
      `media/${AC}/2025/03/15/`,
      `media/${AC}/2025/03/14/`,
      `media/${AC}/2025/03/14/`,
    ]);
  });
});
