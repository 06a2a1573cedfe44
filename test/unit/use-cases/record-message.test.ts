import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { MessageRecordConflictError, VerificationFailedError } from '../../../lib/domain/errors.ts';
import type { MediaJob } from '../../../lib/domain/media-job.ts';
import { parseMessageRecord } from '../../../lib/domain/message-record.ts';
import type {
  MessageRecordStore,
  MessageRedactor,
  StoredObject,
} from '../../../lib/ports/pipeline.ts';
import { recordMessage } from '../../../lib/use-cases/record-message.ts';
import { recordingLogger } from '../../helpers/fake-ports.ts';
import { TEST_ACCOUNT_SID, TEST_MESSAGE_SID, testMediaSid } from '../../helpers/twilio-webhook.ts';

const PREFIX = 'media/';
const DAY = `${PREFIX}${TEST_ACCOUNT_SID}/2025/03/04/${TEST_MESSAGE_SID}/`;
const RECORD_KEY = `${DAY}message.json`;
const sha = (bytes: string) => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: string) => createHash('md5').update(bytes).digest('hex');
const base64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

/** S3 in memory, as the record store sees it; every call lands in `calls`. */
class FakeRecordStore implements MessageRecordStore {
  readonly media = new Map<string, StoredObject>();
  readonly records = new Map<string, string>();
  readonly calls: string[] = [];
  /** Answer 412 even though nothing is stored yet (a racing writer). */
  race?: string;

  addMedia(key: string, bytes: string, overrides: Partial<StoredObject> = {}) {
    this.media.set(key, {
      key,
      size: bytes.length,
      contentType: 'image/jpeg',
      metadata: { sha256: sha(bytes), size: String(bytes.length), md5: md5(bytes) },
      checksumSha256: base64(sha(bytes)),
      checksumType: 'FULL_OBJECT',
      ...overrides,
    });
  }
  async headWithChecksum(key: string) {
    this.calls.push(`head ${key}`);
    return this.media.get(key);
  }
  async putRecord(key: string, text: string) {
    this.calls.push(`put ${key}`);
    if (this.race !== undefined) {
      this.records.set(key, this.race);
      return 'exists' as const;
    }
    if (this.records.has(key)) return 'exists' as const;
    this.records.set(key, text);
    return 'created' as const;
  }
  async getRecord(key: string) {
    this.calls.push(`get ${key}`);
    return this.records.get(key);
  }
}

class FakeRedactor implements MessageRedactor {
  constructor(readonly calls: string[]) {}
  async redactBody(ref: { messageSid: string }) {
    this.calls.push(`redact ${ref.messageSid}`);
    return 'redacted' as const;
  }
}

const jobFor = (index: number, extra: Partial<MediaJob> = {}, body?: string): MediaJob => ({
  version: 1,
  accountSid: TEST_ACCOUNT_SID,
  messageSid: TEST_MESSAGE_SID,
  mediaSid: testMediaSid(index + 1),
  contentType: 'image/jpeg',
  receivedAt: '2025-03-04T05:06:07.089Z',
  index,
  source: 'webhook',
  message: {
    media: [
      { sid: testMediaSid(1), contentType: 'image/jpeg' },
      { sid: testMediaSid(2), contentType: 'image/png' },
    ],
    numSegments: 1,
    messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
    ...(body !== undefined ? { body } : {}),
  },
  ...extra,
});

const setup = (redact = false) => {
  const store = new FakeRecordStore();
  const redactor = new FakeRedactor(store.calls);
  const logger = recordingLogger();
  const deps = {
    records: store,
    redactor,
    config: { archivePrefix: PREFIX, redactMessageBody: redact },
    logger: logger as unknown as Logger,
  };
  return { store, deps, logger };
};

const archiveBoth = (store: FakeRecordStore) => {
  store.addMedia(`${DAY}${testMediaSid(1)}.jpg`, 'one');
  store.addMedia(`${DAY}${testMediaSid(2)}.png`, 'second', { contentType: 'image/png' });
};

describe('recordMessage', () => {
  it('waits while another media of the message is not archived', async () => {
    // Prepare
    const { store, deps } = setup();
    store.addMedia(`${DAY}${testMediaSid(1)}.jpg`, 'one');

    // Act
    const outcome = await recordMessage(deps, jobFor(0));

    // Assess
    expect(outcome.record).toBe('incomplete');
    expect(store.records.size).toBe(0);
  });

  it('writes the record once every media is archived, with sizes, types and S3 checksums', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);

    // Act
    const outcome = await recordMessage(deps, jobFor(1, { from: '+15005550006' }));

    // Assess
    expect(outcome).toEqual({ record: 'written', redaction: 'off' });
    const record = parseMessageRecord(store.records.get(RECORD_KEY) ?? '');
    expect(record).toEqual({
      schema: 'twilio-media-archiver/message-record',
      version: 1,
      accountSid: TEST_ACCOUNT_SID,
      messageSid: TEST_MESSAGE_SID,
      messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
      direction: 'inbound',
      receivedAt: '2025-03-04T05:06:07.089Z',
      numMedia: 2,
      numSegments: 1,
      from: '+15005550006',
      media: [
        {
          index: 0,
          mediaSid: testMediaSid(1),
          key: `${DAY}${testMediaSid(1)}.jpg`,
          contentType: 'image/jpeg',
          size: 3,
          sha256: sha('one'),
          sha256Source: 's3',
        },
        {
          index: 1,
          mediaSid: testMediaSid(2),
          key: `${DAY}${testMediaSid(2)}.png`,
          contentType: 'image/png',
          size: 6,
          sha256: sha('second'),
          sha256Source: 's3',
        },
      ],
    });
    expect(record).not.toHaveProperty('body');
    expect(record).not.toHaveProperty('to');
  });

  it('takes the media this invocation proved from their proofs: no HEAD, no listing', async () => {
    // Prepare
    const { store, deps } = setup();
    const proven = new Map([
      [
        `${DAY}${testMediaSid(1)}.jpg`,
        {
          key: `${DAY}${testMediaSid(1)}.jpg`,
          contentType: 'image/jpeg',
          proof: { size: 3, sha256Hex: sha('one'), wholeBy: 'announced-length', s3: 's3-checksum' },
        },
      ],
      [
        `${DAY}${testMediaSid(2)}.png`,
        {
          key: `${DAY}${testMediaSid(2)}.png`,
          contentType: 'image/png',
          proof: { size: 6, sha256Hex: sha('second'), wholeBy: 'announced-length', s3: 'md5-etag' },
        },
      ],
    ] as const);

    // Act
    const outcome = await recordMessage(deps, jobFor(1), new Map(proven));

    // Assess
    expect(outcome.record).toBe('written');
    expect(store.calls).toEqual([`get ${RECORD_KEY}`, `put ${RECORD_KEY}`]);
    const record = parseMessageRecord(store.records.get(RECORD_KEY) ?? '');
    expect(record.media.map((m) => [m.contentType, m.size, m.sha256, m.sha256Source])).toEqual([
      ['image/jpeg', 3, sha('one'), 's3'],
      ['image/png', 6, sha('second'), 'md5-etag'],
    ]);
  });

  it('HEADs only what this invocation did not prove, the last media first, and stops at a gap', async () => {
    // Prepare
    const { store, deps } = setup();
    store.addMedia(`${DAY}${testMediaSid(1)}.jpg`, 'one');
    const proven = new Map([
      [
        `${DAY}${testMediaSid(1)}.jpg`,
        {
          key: `${DAY}${testMediaSid(1)}.jpg`,
          contentType: 'image/jpeg',
          proof: {
            size: 3,
            sha256Hex: sha('one'),
            wholeBy: 'announced-length' as const,
            s3: 's3-checksum' as const,
          },
        },
      ],
    ]);

    // Act
    const outcome = await recordMessage(deps, jobFor(0), proven);

    // Assess
    expect(outcome.record).toBe('incomplete');
    expect(store.calls).toEqual([`head ${DAY}${testMediaSid(2)}.png`]);
  });

  it('HEADs a proven media whose content type this invocation did not learn', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);
    const key = `${DAY}${testMediaSid(2)}.png`;
    const proof = {
      size: 6,
      sha256Hex: sha('second'),
      wholeBy: 'stored-copy' as const,
      s3: 's3-checksum' as const,
    };

    // Act
    const outcome = await recordMessage(deps, jobFor(1), new Map([[key, { key, proof }]]));

    // Assess
    expect(outcome.record).toBe('written');
    expect(store.calls.slice(0, 2)).toEqual([`head ${key}`, `head ${DAY}${testMediaSid(1)}.jpg`]);
  });

  it('does not count a media whose S3 checksum disagrees with its metadata', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);
    store.addMedia(`${DAY}${testMediaSid(2)}.png`, 'second', {
      checksumSha256: base64(sha('other')),
      etag: `"${md5('second')}"`,
    });

    // Act
    const outcome = await recordMessage(deps, jobFor(0));

    // Assess
    expect(outcome.record).toBe('incomplete');
  });

  it('never takes a media’s checksum from metadata alone, only from what S3 confirms', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);
    const pngKey = `${DAY}${testMediaSid(2)}.png`;
    const bare = { contentType: 'image/png', checksumSha256: undefined, checksumType: undefined };
    store.addMedia(pngKey, 'second', bare);

    // Act
    const metadataOnly = await recordMessage(deps, jobFor(0));
    store.addMedia(pngKey, 'second', { ...bare, etag: `"${md5('second')}"` });
    const byEtag = await recordMessage(deps, jobFor(0));

    // Assess
    expect(metadataOnly.record).toBe('incomplete');
    expect(byEtag.record).toBe('written');
    const record = parseMessageRecord(store.records.get(RECORD_KEY) ?? '');
    expect(record.media.map((m) => [m.sha256, m.sha256Source])).toEqual([
      [sha('one'), 's3'],
      [sha('second'), 'md5-etag'],
    ]);
  });

  it('records a subaccount’s message under that account, and redacts it there', async () => {
    // Prepare
    const sub = `AC${'5'.repeat(32)}`;
    const subDay = `${PREFIX}${sub}/2025/03/04/${TEST_MESSAGE_SID}/`;
    const { store, deps } = setup(true);
    const refs: { accountSid: string; messageSid: string }[] = [];
    const redactor: MessageRedactor = {
      redactBody: async (ref) => {
        refs.push({ accountSid: ref.accountSid, messageSid: ref.messageSid });
        return 'redacted';
      },
    };
    store.addMedia(`${subDay}${testMediaSid(1)}.jpg`, 'one');
    store.addMedia(`${subDay}${testMediaSid(2)}.png`, 'second', { contentType: 'image/png' });

    // Act
    const outcome = await recordMessage(
      { ...deps, redactor },
      jobFor(1, { accountSid: sub }, 'hello'),
    );

    // Assess
    expect(outcome).toEqual({ record: 'written', redaction: 'redacted' });
    const record = parseMessageRecord(store.records.get(`${subDay}message.json`) ?? '');
    expect(record.accountSid).toBe(sub);
    expect(record.media.map((m) => m.key)).toEqual([
      `${subDay}${testMediaSid(1)}.jpg`,
      `${subDay}${testMediaSid(2)}.png`,
    ]);
    expect(store.records.has(RECORD_KEY)).toBe(false);
    expect(refs).toEqual([{ accountSid: sub, messageSid: TEST_MESSAGE_SID }]);
  });

  it('keeps the record a duplicate webhook wrote and writes nothing', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);
    await recordMessage(deps, jobFor(0));
    const first = store.records.get(RECORD_KEY);

    // Act
    const outcome = await recordMessage(
      deps,
      jobFor(1, { receivedAt: '2025-03-04T05:06:09.000Z' }),
    );

    // Assess
    expect(outcome.record).toBe('exists');
    expect(store.records.get(RECORD_KEY)).toBe(first);
    expect(store.calls.filter((c) => c.startsWith('put'))).toHaveLength(1);
  });

  it('refuses, permanently, a record at the key that names other media', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);
    await recordMessage(deps, jobFor(0));
    const stored = JSON.parse(store.records.get(RECORD_KEY) ?? '{}');
    stored.media[0].sha256 = sha('forged');
    store.records.set(RECORD_KEY, JSON.stringify(stored));

    // Act
    const attempt = recordMessage(deps, jobFor(1));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(MessageRecordConflictError);
  });

  it('retries (transient) a record at the key it cannot read, and never overwrites it', async () => {
    // Prepare
    const { store, deps } = setup(true);
    archiveBoth(store);
    store.records.set(RECORD_KEY, '{"schema":"twilio-media-arch');

    // Act
    const attempt = recordMessage(deps, jobFor(1, {}, 'the body'));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(VerificationFailedError);
    expect(store.records.get(RECORD_KEY)).toBe('{"schema":"twilio-media-arch');
    expect(store.calls.some((c) => c.startsWith('put') || c.startsWith('redact'))).toBe(false);
  });

  it('redacts only after the record holding the body was written', async () => {
    // Prepare
    const { store, deps } = setup(true);
    archiveBoth(store);

    // Act
    const outcome = await recordMessage(deps, jobFor(1, {}, 'the body'));

    // Assess
    expect(outcome).toEqual({ record: 'written', redaction: 'redacted' });
    const put = store.calls.indexOf(`put ${RECORD_KEY}`);
    const redact = store.calls.indexOf(`redact ${TEST_MESSAGE_SID}`);
    expect(put).toBeGreaterThanOrEqual(0);
    expect(redact).toBeGreaterThan(put);
    expect(parseMessageRecord(store.records.get(RECORD_KEY) ?? '').body).toBe('the body');
  });

  it('never redacts while a media is missing', async () => {
    // Prepare
    const { store, deps } = setup(true);
    store.addMedia(`${DAY}${testMediaSid(1)}.jpg`, 'one');

    // Act
    const outcome = await recordMessage(deps, jobFor(0, {}, 'the body'));

    // Assess
    expect(outcome.redaction).toBe('not-yet');
    expect(store.calls.some((c) => c.startsWith('redact'))).toBe(false);
  });

  it('never redacts when the record found lacks the body (written before the body was kept)', async () => {
    // Prepare
    const { store, deps } = setup(true);
    archiveBoth(store);
    await recordMessage(
      { ...deps, config: { ...deps.config, redactMessageBody: false } },
      jobFor(0),
    );

    // Act
    const outcome = await recordMessage(deps, jobFor(1, {}, 'the body'));

    // Assess
    expect(outcome).toEqual({ record: 'exists', redaction: 'no-body' });
    expect(store.calls.some((c) => c.startsWith('redact'))).toBe(false);
  });

  it('redacts after a racing writer’s record is read back and holds the same body', async () => {
    // Prepare
    const { store, deps } = setup(true);
    archiveBoth(store);
    const other = setup();
    archiveBoth(other.store);
    await recordMessage(other.deps, jobFor(0, {}, 'the body'));
    store.race = other.store.records.get(RECORD_KEY);

    // Act
    const outcome = await recordMessage(deps, jobFor(1, {}, 'the body'));

    // Assess
    expect(outcome).toEqual({ record: 'exists', redaction: 'redacted' });
    expect(store.calls.slice(-3)).toEqual([
      `put ${RECORD_KEY}`,
      `get ${RECORD_KEY}`,
      `redact ${TEST_MESSAGE_SID}`,
    ]);
  });

  it('writes no record for a job without its message (backfill, older webhooks)', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);
    const { message: _, ...job } = jobFor(0);

    // Act
    const outcome = await recordMessage(deps, { ...job, source: 'backfill' });

    // Assess
    expect(outcome.record).toBe('not-recordable');
    expect(store.calls).toEqual([]);
  });
  it('records the real direction of a backfilled outbound message', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);
    const job = jobFor(1, { source: 'backfill' });
    job.message = {
      ...(job.message as NonNullable<MediaJob['message']>),
      direction: 'outbound-api',
    };

    // Act
    const outcome = await recordMessage(deps, job);

    // Assess
    expect(outcome.record).toBe('written');
    expect(parseMessageRecord(store.records.get(RECORD_KEY) ?? '').direction).toBe('outbound-api');
  });

  it('keeps a webhook’s record when a reconcile job lists the same media in another order', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);
    await recordMessage(deps, jobFor(0));
    const first = store.records.get(RECORD_KEY);
    const webhook = jobFor(1);
    const media = [...(webhook.message?.media ?? [])].reverse();
    const reconciled: MediaJob = {
      ...webhook,
      index: 0,
      source: 'reconcile',
      message: { media, direction: 'inbound' },
    };

    // Act
    const outcome = await recordMessage(deps, reconciled);

    // Assess
    expect(outcome.record).toBe('exists');
    expect(store.records.get(RECORD_KEY)).toBe(first);
  });
});
