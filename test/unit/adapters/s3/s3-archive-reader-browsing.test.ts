import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createArchiveReader } from '../../../../lib/adapters/s3/s3-archive-reader.ts';
import { createArchiveBrowser } from '../../../../lib/browser/archive-browser.ts';
import { request } from '../../../helpers/archive-browser.ts';

// What the browser added to the CLI's reader (paged day listings, conditional reads), against a
// mocked S3 client: the adapter boundary.

const AC = `AC${'a'.repeat(32)}`;
const MM = `MM${'1'.repeat(32)}`;
const me = (n: number) => `ME${String(n).padStart(32, '0')}`;
const key = (n: number) => `media/${AC}/2026/11/26/${MM}/${me(n)}.png`;
const s3Mock = mockClient(S3Client);

const notModified = () =>
  new S3ServiceException({
    name: 'NotModified',
    $fault: 'client',
    $metadata: { httpStatusCode: 304 },
    message: 'UnknownError',
  });

const readerOf = () =>
  createArchiveReader({ s3: new S3Client({}), bucket: 'b', prefix: 'media/', accountSid: AC });

afterEach(() => {
  s3Mock.reset();
});

describe('archive reader, browsing additions', () => {
  it('lists one page of a day and hands back the continuation token', async () => {
    // Prepare
    const calls: ListObjectsV2CommandInput[] = [];
    s3Mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      calls.push(input);
      return {
        Contents: [{ Key: key(1), Size: 5 }, { Key: `media/${AC}/2026/11/26/junk` }],
        IsTruncated: true,
        NextContinuationToken: 'next',
      };
    });

    // Act
    const page = await readerOf().listDayPage(AC, '2026-11-26', {
      maxKeys: 50,
      continuationToken: 'tok',
    });

    // Assess
    expect(calls).toEqual([
      {
        Bucket: 'b',
        Prefix: `media/${AC}/2026/11/26/`,
        MaxKeys: 50,
        ContinuationToken: 'tok',
      },
    ]);
    expect(page.entries.map((entry) => entry.mediaSid)).toEqual([me(1)]);
    expect(page.nextToken).toBe('next');
  });

  it("turns S3's 304 into notModified and sends If-None-Match alone (RFC 9110)", async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).rejects(notModified());
    s3Mock.on(HeadObjectCommand).rejects(notModified());

    // Act
    const got = await readerOf().openConditional(key(1), {
      ifNoneMatch: '"abc"',
      ifModifiedSince: new Date(0),
    });
    const head = await readerOf().openConditional(key(1), { ifNoneMatch: '"abc"', headOnly: true });

    // Assess
    expect(got).toEqual({ notModified: true });
    expect(head).toEqual({ notModified: true });
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'b',
      Key: key(1),
      // A whole read asks for S3's checksum, for the reader to compare with the bytes.
      ChecksumMode: 'ENABLED',
      IfNoneMatch: '"abc"',
    });
  });

  it('returns body, validators, range and metadata of a changed object; other errors propagate', async () => {
    // Prepare
    const lastModified = new Date('2026-11-26T12:00:00Z');
    s3Mock.on(GetObjectCommand, { Key: key(1) }).resolves({
      Body: Readable.from([Buffer.from('abc')]) as never,
      ContentLength: 3,
      ContentRange: 'bytes 0-2/10',
      ContentType: 'image/png',
      ETag: '"e"',
      LastModified: lastModified,
      Metadata: { 'original-filename': 'a%20b.png', from: '+1555' },
    });
    s3Mock
      .on(GetObjectCommand, { Key: key(2) })
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    // Act
    const media = await readerOf().openConditional(key(1), { range: 'bytes=0-2' });
    const failure = readerOf().openConditional(key(2), {});

    // Assess
    expect(media).toMatchObject({
      notModified: false,
      contentLength: 3,
      contentRange: 'bytes 0-2/10',
      contentType: 'image/png',
      etag: '"e"',
      lastModified,
      originalFilename: 'a b.png',
      from: '+1555',
    });
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input.Range).toBe('bytes=0-2');
    // A range has no checksum of its own: asking for one would fail the SDK's validation.
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input.ChecksumMode).toBeUndefined();
    await expect(failure).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('finds a message from the search box in 2 listings (the index, then the message)', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(Object.assign(new Error('no'), { name: 'NotFound' }));
    const listed: string[] = [];
    s3Mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      listed.push(input.Prefix ?? '');
      if (input.Prefix === `media/_index/${MM}/`) {
        return { Contents: [{ Key: `media/_index/${MM}/${AC}/2026/11/26` }], IsTruncated: false };
      }
      return { Contents: [{ Key: key(1), Size: 5 }], IsTruncated: false };
    });
    const browser = createArchiveBrowser({ reader: readerOf(), prefix: 'media/' });

    // Act
    const answer = await request(browser, `/archive/search?q=${MM}`);

    // Assess
    expect(answer.status).toBe(303);
    expect(answer.headers.location).toBe(`/archive/message/${MM}?day=2026-11-26`);
    expect(listed).toEqual([`media/_index/${MM}/`, `media/${AC}/2026/11/26/${MM}/`]);
  });

  it('reads a message’s record at its own key, else beside its media: absent, found with S3 evidence, or unreadable, never dropped', async () => {
    // Prepare
    const recordKey = `media/_records/${AC}/2026/11/26/${MM}.json`;
    const other = `MM${'2'.repeat(32)}`;
    const legacy = `MM${'3'.repeat(32)}`;
    const record = (messageSid: string) => ({
      schema: 'twilio-media-archiver/message-record',
      version: 1,
      accountSid: AC,
      messageSid,
      direction: 'inbound',
      receivedAt: '2026-11-26T10:00:00.000Z',
      numMedia: 0,
      media: [],
    });
    const stored = (text: string, checksum?: string) => () => ({
      Body: Object.assign(Readable.from([]), {
        transformToByteArray: async () => Buffer.from(text),
      }),
      ...(checksum ? { ChecksumSHA256: checksum, ChecksumType: 'FULL_OBJECT' } : {}),
    });
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('no'), { name: 'NoSuchKey' }));
    s3Mock
      .on(GetObjectCommand, { Key: recordKey })
      .callsFake(stored(JSON.stringify(record(MM)), 'x'.repeat(43).concat('=')));
    s3Mock
      .on(GetObjectCommand, { Key: `media/_records/${AC}/2026/11/26/${other}.json` })
      .callsFake(stored('<LegalHold/>'));
    s3Mock
      .on(GetObjectCommand, { Key: `media/${AC}/2026/11/26/${legacy}/message.json` })
      .callsFake(stored(JSON.stringify(record(legacy))));

    // Act
    const found = await readerOf().messageRecordOf(key(1));
    const unreadable = await readerOf().messageRecordOf(
      `media/${AC}/2026/11/26/${other}/${me(1)}.png`,
    );
    const beside = await readerOf().messageRecordOf(
      `media/${AC}/2026/11/26/${legacy}/${me(1)}.png`,
    );
    const absent = await readerOf().messageRecordOf(`media/${AC}/2026/11/27/${MM}/${me(1)}.png`);

    // Assess
    expect(found).toMatchObject({
      state: 'found',
      key: recordKey,
      record: { messageSid: MM },
      s3: { checksumSha256: 'x'.repeat(43).concat('='), checksumType: 'FULL_OBJECT' },
    });
    expect(unreadable).toEqual({
      state: 'unreadable',
      key: `media/_records/${AC}/2026/11/26/${other}.json`,
      reason: 'message record is not JSON',
    });
    expect(beside).toMatchObject({
      state: 'found',
      key: `media/${AC}/2026/11/26/${legacy}/message.json`,
      record: { messageSid: legacy },
    });
    expect(absent).toEqual({ state: 'absent', key: `media/_records/${AC}/2026/11/27/${MM}.json` });
    const reads = s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input);
    // One GET where the record is at its own key (or unreadable there); two where it is not.
    expect(reads.map((input) => input.Key)).toEqual([
      recordKey,
      `media/_records/${AC}/2026/11/26/${other}.json`,
      `media/_records/${AC}/2026/11/26/${legacy}.json`,
      `media/${AC}/2026/11/26/${legacy}/message.json`,
      `media/_records/${AC}/2026/11/27/${MM}.json`,
      `media/${AC}/2026/11/27/${MM}/message.json`,
    ]);
    expect(reads.every((input) => input.ChecksumMode === 'ENABLED')).toBe(true);
  });

  it('opens a media in checksum mode and hands back S3 evidence beside the metadata claim', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand, { Key: key(1) }).resolves({
      Body: Readable.from([Buffer.from('abc')]) as never,
      ChecksumSHA256: 'y'.repeat(43).concat('='),
      ETag: '"e"',
      Metadata: { sha256: 'ab'.repeat(32), size: '3' },
    });

    // Act
    const media = await readerOf().open(key(1));

    // Assess
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input.ChecksumMode).toBe('ENABLED');
    expect(media).toMatchObject({
      metadataSha256: 'ab'.repeat(32),
      size: 3,
      s3: { checksumSha256: 'y'.repeat(43).concat('='), etag: '"e"' },
    });
  });
});
