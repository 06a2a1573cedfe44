import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { MessageRecordConflictError, VerificationFailedError } from '../../../lib/domain/errors.ts';
import type { MediaJob } from '../../../lib/domain/media-job.ts';
import { parseMessageRecord } from '../../../lib/domain/message-record.ts';
import type {
  HeldBody,
  MessageRecordStore,
  MessageRedactor,
  StoredObject,
} from '../../../lib/ports/pipeline.ts';
import { recordMessage } from '../../../lib/use-cases/record-message.ts';
import { recordingLogger, recordingMetrics } from '../../helpers/fake-ports.ts';
import { TEST_ACCOUNT_SID, TEST_MESSAGE_SID, testMediaSid } from '../../helpers/twilio-webhook.ts';

const PREFIX = 'media/';
const DAY = `${PREFIX}${TEST_ACCOUNT_SID}/2025/03/04/${TEST_MESSAGE_SID}/`;
const RECORD_KEY = `${PREFIX}_records/${TEST_ACCOUNT_SID}/2025/03/04/${TEST_MESSAGE_SID}.json`;
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
  /** Answer 412 and keep nothing readable (a record that vanished, or a broken endpoint). */
  vanish = false;

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
    if (this.vanish) return 'exists' as const;
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

/** Twilio's Message resource: `held` is what a GET answers; a POST blanks it. */
class FakeRedactor implements MessageRedactor {
  held: HeldBody = { status: 'found', body: 'the body' };
  constructor(readonly calls: string[]) {}
  async readBody(ref: { messageSid: string }) {
    this.calls.push(`read ${ref.messageSid}`);
    return structuredClone(this.held);
  }
  async redactBody(ref: { messageSid: string }) {
    this.calls.push(`redact ${ref.messageSid}`);
    if (this.held.status === 'gone') return 'already-gone' as const;
    this.held = { status: 'found', body: '' };
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
  const metrics = recordingMetrics();
  const deps = {
    records: store,
    redactor,
    config: { archivePrefix: PREFIX, redactMessageBody: redact },
    logger: logger as unknown as Logger,
    metrics,
  };
  return { store, deps, logger, metrics, redactor };
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
    // One HEAD tells, the last announced media first: no listing, nothing more.
    expect(store.calls).toEqual([`head ${DAY}${testMediaSid(2)}.png`]);
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
    const reads: string[] = [];
    const redactor: MessageRedactor = {
      readBody: async (ref) => {
        reads.push(ref.accountSid);
        return { status: 'found', body: 'hello' };
      },
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
    const record = parseMessageRecord(
      store.records.get(`${PREFIX}_records/${sub}/2025/03/04/${TEST_MESSAGE_SID}.json`) ?? '',
    );
    expect(record.accountSid).toBe(sub);
    expect(record.media.map((m) => m.key)).toEqual([
      `${subDay}${testMediaSid(1)}.jpg`,
      `${subDay}${testMediaSid(2)}.png`,
    ]);
    expect(store.records.has(RECORD_KEY)).toBe(false);
    expect(refs).toEqual([{ accountSid: sub, messageSid: TEST_MESSAGE_SID }]);
    expect(reads).toEqual([sub]);
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
    await expect(attempt).rejects.toThrow(
      `${RECORD_KEY} describes other media than the archive holds`,
    );
  });

  it('refuses, permanently, a record S3 reports existing but nobody can read', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);
    store.vanish = true;

    // Act
    const attempt = recordMessage(deps, jobFor(1));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(MessageRecordConflictError);
    await expect(attempt).rejects.toThrow(`${RECORD_KEY} was reported existing but cannot be read`);
  });

  it('logs whether it wrote the record or found it, with the key and no body', async () => {
    // Prepare
    const { store, deps, logger } = setup();
    archiveBoth(store);

    // Act
    await recordMessage(deps, jobFor(0, {}, 'the body'));
    await recordMessage(deps, jobFor(1, {}, 'the body'));

    // Assess
    expect(logger.lines).toEqual([
      {
        level: 'info',
        message: 'message record written',
        fields: { messageSid: TEST_MESSAGE_SID, key: RECORD_KEY },
      },
      {
        level: 'info',
        message: 'message record found',
        fields: { messageSid: TEST_MESSAGE_SID, key: RECORD_KEY },
      },
    ]);
  });

  it('takes a multipart object’s composite checksum for no contradiction, and its type as S3 has it', async () => {
    // Prepare
    const { store, deps } = setup();
    archiveBoth(store);
    store.addMedia(`${DAY}${testMediaSid(2)}.png`, 'second', {
      contentType: undefined,
      checksumSha256: base64(sha('parts')),
      checksumType: 'COMPOSITE',
      etag: `"${md5('second')}"`,
    });

    // Act
    const outcome = await recordMessage(deps, jobFor(0));

    // Assess
    expect(outcome.record).toBe('written');
    const [, png] = parseMessageRecord(store.records.get(RECORD_KEY) ?? '').media;
    expect(png).toMatchObject({
      sha256: sha('second'),
      sha256Source: 'md5-etag',
      contentType: 'application/octet-stream',
    });
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
    await expect(attempt).rejects.toThrow(`${RECORD_KEY} is not a readable message record`);
    await expect(attempt).rejects.toHaveProperty('cause.name', 'InvalidMessageRecordError');
    expect(store.records.get(RECORD_KEY)).toBe('{"schema":"twilio-media-arch');
    expect(store.calls.some((c) => c.startsWith('put') || c.startsWith('redact'))).toBe(false);
  });

  it('redacts only after the record holding the body was written', async () => {
    // Prepare
    const { store, deps, logger } = setup(true);
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
    expect(logger.lines.at(-1)).toEqual({
      level: 'info',
      message: 'message body redacted at Twilio',
      fields: { messageSid: TEST_MESSAGE_SID, redaction: 'redacted' },
    });
    expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([]);
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
    expect(outcome).toEqual({
      record: 'exists',
      redaction: 'skipped',
      skipped: 'record-without-body',
    });
    expect(store.calls.some((c) => c.startsWith('redact') || c.startsWith('read'))).toBe(false);
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

describe('recordMessage: redaction only of what Twilio holds', () => {
  const REAL = 'Claim 4711: the real text';
  const recordBody = (store: FakeRecordStore) =>
    parseMessageRecord(store.records.get(RECORD_KEY) ?? '').body;
  const skippedLines = (logger: ReturnType<typeof recordingLogger>) =>
    logger.lines.filter((line) => line.message === 'message body kept at Twilio');

  it('a forged job’s body is neither recorded nor redacted: the record keeps Twilio’s', async () => {
    // Prepare
    const { store, deps, logger, metrics, redactor } = setup(true);
    archiveBoth(store);
    redactor.held = { status: 'found', body: REAL };

    // Act
    const outcome = await recordMessage(deps, jobFor(1, { from: '+15005550006' }, 'made up'));

    // Assess
    expect(outcome).toEqual({
      record: 'written',
      redaction: 'skipped',
      skipped: 'job-body-differs-from-record',
    });
    expect(recordBody(store)).toBe(REAL);
    expect(redactor.held).toEqual({ status: 'found', body: REAL });
    expect(store.calls.filter((c) => c.startsWith('read'))).toHaveLength(1);
    expect(metrics.total('RedactionSkipped')).toBe(1);
    expect(skippedLines(logger)).toEqual([
      {
        level: 'warn',
        message: 'message body kept at Twilio',
        fields: { messageSid: TEST_MESSAGE_SID, reason: 'job-body-differs-from-record' },
      },
    ]);
    const logged = JSON.stringify(logger.lines);
    for (const secret of [REAL, 'made up', '+15005550006']) expect(logged).not.toContain(secret);
  });

  it('reads Twilio before the record is written and redacts after it, with one GET', async () => {
    // Prepare
    const { store, deps, logger, metrics } = setup(true);
    archiveBoth(store);

    // Act
    const outcome = await recordMessage(deps, jobFor(0, {}, 'the body'));

    // Assess
    expect(outcome).toEqual({ record: 'written', redaction: 'redacted' });
    expect(store.calls.filter((c) => /^(read|put|redact) /.test(c))).toEqual([
      `read ${TEST_MESSAGE_SID}`,
      `put ${RECORD_KEY}`,
      `redact ${TEST_MESSAGE_SID}`,
    ]);
    expect(metrics.total('RedactionSkipped')).toBe(0);
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('a later job whose body differs from the stored record’s never redacts, nor asks Twilio', async () => {
    // Prepare
    const { store, deps, metrics, redactor } = setup(true);
    archiveBoth(store);
    await recordMessage(
      { ...deps, config: { ...deps.config, redactMessageBody: false } },
      jobFor(0, {}, 'the body'),
    );
    const first = store.records.get(RECORD_KEY);
    // Twilio holds the job's text too: only the record's word counts.
    redactor.held = { status: 'found', body: 'another body' };

    // Act
    const outcome = await recordMessage(deps, jobFor(1, {}, 'another body'));

    // Assess
    expect(outcome).toEqual({
      record: 'exists',
      redaction: 'skipped',
      skipped: 'job-body-differs-from-record',
    });
    expect(store.records.get(RECORD_KEY)).toBe(first);
    expect(store.calls.some((c) => c.startsWith('redact') || c.startsWith('read'))).toBe(false);
    expect(metrics.total('RedactionSkipped')).toBe(1);
  });

  it('keeps the body at Twilio when Twilio holds other text than the stored record', async () => {
    // Prepare
    const { store, deps, logger, metrics, redactor } = setup(true);
    archiveBoth(store);
    await recordMessage(
      { ...deps, config: { ...deps.config, redactMessageBody: false } },
      jobFor(0, {}, 'the body'),
    );
    redactor.held = { status: 'found', body: 'the body, edited' };

    // Act
    const outcome = await recordMessage(deps, jobFor(1, {}, 'the body'));

    // Assess
    expect(outcome).toEqual({
      record: 'exists',
      redaction: 'skipped',
      skipped: 'twilio-body-differs-from-record',
    });
    expect(store.calls.some((c) => c.startsWith('redact'))).toBe(false);
    expect(metrics.total('RedactionSkipped')).toBe(1);
    expect(skippedLines(logger)[0]?.fields).toEqual({
      messageSid: TEST_MESSAGE_SID,
      reason: 'twilio-body-differs-from-record',
    });
  });

  it('an empty body never redacts, whatever Twilio holds', async () => {
    // Prepare
    const blank = setup(true);
    archiveBoth(blank.store);
    blank.redactor.held = { status: 'found', body: '' };
    const forged = setup(true);
    archiveBoth(forged.store);
    forged.redactor.held = { status: 'found', body: REAL };

    // Act
    const blankOutcome = await recordMessage(blank.deps, jobFor(0, {}, ''));
    const blankAgain = await recordMessage(blank.deps, jobFor(1, {}, ''));
    const forgedOutcome = await recordMessage(forged.deps, jobFor(0, {}, ''));

    // Assess
    expect(blankOutcome).toEqual({ record: 'written', redaction: 'empty-body' });
    expect(blankAgain).toEqual({ record: 'exists', redaction: 'empty-body' });
    expect(recordBody(blank.store)).toBe('');
    expect(forgedOutcome.redaction).toBe('skipped');
    expect(recordBody(forged.store)).toBe(REAL);
    for (const { store } of [blank, forged]) {
      expect(store.calls.some((c) => c.startsWith('redact'))).toBe(false);
    }
    expect(blank.metrics.total('RedactionSkipped')).toBe(0);
  });

  it('records no body for a message Twilio no longer has, and redacts nothing', async () => {
    // Prepare
    const { store, deps, logger, redactor } = setup(true);
    archiveBoth(store);
    redactor.held = { status: 'gone' };

    // Act
    const outcome = await recordMessage(deps, jobFor(0, {}, 'the body'));

    // Assess
    expect(outcome).toEqual({
      record: 'written',
      redaction: 'skipped',
      skipped: 'record-without-body',
    });
    expect(recordBody(store)).toBeUndefined();
    expect(store.calls.some((c) => c.startsWith('redact'))).toBe(false);
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message: 'the job’s body is not the one Twilio holds: recording Twilio’s',
      fields: { messageSid: TEST_MESSAGE_SID, twilio: 'gone' },
    });
  });

  it('a job racing the one that redacted reads the record again, never records the blank', async () => {
    // Prepare: both jobs find no record; the other one writes it and redacts meanwhile
    const { store, deps, logger, redactor } = setup(true);
    archiveBoth(store);
    const first = setup(true);
    archiveBoth(first.store);
    await recordMessage(first.deps, jobFor(0, {}, 'the body'));
    const written = first.store.records.get(RECORD_KEY) ?? '';
    redactor.held = { status: 'found', body: '' };
    const getRecord = store.getRecord.bind(store);
    let reads = 0;
    store.getRecord = async (key: string) => {
      reads += 1;
      if (reads === 2) store.records.set(key, written);
      return getRecord(key);
    };

    // Act
    const outcome = await recordMessage(deps, jobFor(1, {}, 'the body'));

    // Assess
    expect(outcome).toEqual({ record: 'exists', redaction: 'already-blank' });
    expect(store.records.get(RECORD_KEY)).toBe(written);
    expect(store.calls.some((c) => c.startsWith('put') || c.startsWith('redact'))).toBe(false);
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('a retry after the redaction finds Twilio blank or gone and sends no second POST', async () => {
    // Prepare
    const { store, deps, metrics, redactor } = setup(true);
    archiveBoth(store);
    await recordMessage(deps, jobFor(0, {}, 'the body'));
    const posts = () => store.calls.filter((c) => c.startsWith('redact')).length;
    const before = posts();

    // Act
    const blank = await recordMessage(deps, jobFor(1, {}, 'the body'));
    redactor.held = { status: 'gone' };
    const gone = await recordMessage(deps, jobFor(1, {}, 'the body'));

    // Assess
    expect(before).toBe(1);
    expect(blank).toEqual({ record: 'exists', redaction: 'already-blank' });
    expect(gone).toEqual({ record: 'exists', redaction: 'already-gone' });
    expect(posts()).toBe(1);
    expect(recordBody(store)).toBe('the body');
    expect(metrics.total('RedactionSkipped')).toBe(0);
  });

  it('asks Twilio nothing for a job without a body, records none, and redacts nothing', async () => {
    // Prepare
    const { store, deps, redactor } = setup(true);
    archiveBoth(store);
    redactor.held = { status: 'found', body: REAL };

    // Act
    const outcome = await recordMessage(deps, jobFor(0));

    // Assess
    expect(outcome).toEqual({
      record: 'written',
      redaction: 'skipped',
      skipped: 'record-without-body',
    });
    expect(recordBody(store)).toBeUndefined();
    expect(store.calls.some((c) => c.startsWith('read') || c.startsWith('redact'))).toBe(false);
  });

  it('with redaction off, or on without a redactor, asks Twilio nothing and records the job’s body', async () => {
    // Prepare
    const off = setup(false);
    archiveBoth(off.store);
    const partial = setup(false);
    partial.store.addMedia(`${DAY}${testMediaSid(1)}.jpg`, 'one');
    const noRedactor = setup(true);
    archiveBoth(noRedactor.store);
    const { redactor: _, ...withoutRedactor } = noRedactor.deps;

    // Act
    const offOutcome = await recordMessage(off.deps, jobFor(0, {}, 'the body'));
    const offIncomplete = await recordMessage(partial.deps, jobFor(0, {}, 'the body'));
    const bareOutcome = await recordMessage(withoutRedactor, jobFor(0, {}, 'the body'));

    // Assess
    expect(offOutcome).toEqual({ record: 'written', redaction: 'off' });
    expect(offIncomplete).toEqual({ record: 'incomplete', redaction: 'off' });
    expect(bareOutcome).toEqual({ record: 'written', redaction: 'off' });
    expect(recordBody(off.store)).toBe('the body');
    for (const { store } of [off, partial, noRedactor]) {
      expect(store.calls.some((c) => c.startsWith('read') || c.startsWith('redact'))).toBe(false);
    }
  });
});
