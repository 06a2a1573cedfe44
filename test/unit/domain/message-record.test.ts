import { describe, expect, it } from 'vitest';
import { InvalidJobError } from '../../../lib/domain/errors.ts';
import { type MediaJob, parseMediaJob } from '../../../lib/domain/media-job.ts';
import {
  buildMessageRecord,
  InvalidMessageRecordError,
  legacyRecordKeyFor,
  messageKeyPrefixes,
  messageRecordKeyFor,
  parseMessageRecord,
  parseRecordKey,
  type RecordableJob,
  recordKeyFor,
  serializeMessageRecord,
} from '../../../lib/domain/message-record.ts';
import { participantKeyOf, participantsOf } from '../../../lib/domain/participant.ts';
import { TEST_ACCOUNT_SID, TEST_MESSAGE_SID, testMediaSid } from '../../helpers/twilio-webhook.ts';

const job: RecordableJob = {
  version: 1,
  accountSid: TEST_ACCOUNT_SID,
  messageSid: TEST_MESSAGE_SID,
  mediaSid: testMediaSid(1),
  contentType: 'image/jpeg',
  receivedAt: '2025-12-31T23:59:59.999Z',
  index: 0,
  source: 'webhook',
  to: '+15005550001',
  message: { media: [{ sid: testMediaSid(1), contentType: 'image/jpeg' }], body: 'hi' },
};
const media = {
  index: 0,
  mediaSid: testMediaSid(1),
  key: `media/${TEST_ACCOUNT_SID}/2025/12/31/${TEST_MESSAGE_SID}/${testMediaSid(1)}.jpg`,
  contentType: 'image/jpeg',
  size: 12,
  sha256: 'a'.repeat(64),
  sha256Source: 'md5-etag' as const,
};

describe('message record', () => {
  it('has one key per message under _records/, by account and received day, and reads back as built', () => {
    // Prepare
    const record = buildMessageRecord(job, [media]);

    // Act
    const text = serializeMessageRecord(record);

    // Assess
    expect(messageRecordKeyFor('media/', job)).toBe(
      `media/_records/${TEST_ACCOUNT_SID}/2025/12/31/${TEST_MESSAGE_SID}.json`,
    );
    expect(parseMessageRecord(text)).toEqual(record);
    // One object on one line, as Athena's JSON SerDe reads records (infra/athena.yml).
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(text.endsWith('}\n')).toBe(true);
    expect(record).toMatchObject({ body: 'hi', to: '+15005550001', numMedia: 1 });
    expect(record).not.toHaveProperty('from');
  });

  it('finds a message’s record key, new and legacy, from any of its media keys', () => {
    // Prepare
    const recordKey = messageRecordKeyFor('media/', job);

    // Act
    const fromMedia = recordKeyFor(media.key);
    const unprefixed = recordKeyFor(media.key.slice('media/'.length));

    // Assess
    expect(fromMedia).toBe(recordKey);
    expect(unprefixed).toBe(recordKey.slice('media/'.length));
    expect(legacyRecordKeyFor(media.key)).toBe(
      `media/${TEST_ACCOUNT_SID}/2025/12/31/${TEST_MESSAGE_SID}/message.json`,
    );
    expect(parseRecordKey('media/', recordKey)).toEqual({
      accountSid: TEST_ACCOUNT_SID,
      day: '2025-12-31',
      messageSid: TEST_MESSAGE_SID,
    });
    expect(parseRecordKey('media/', legacyRecordKeyFor(media.key))).toBeUndefined();
    expect(parseRecordKey('media/', `media/_records/${TEST_ACCOUNT_SID}/2025/12/31.json`)).toBe(
      undefined,
    );
    expect(() => recordKeyFor('media/not-a-media-key')).toThrow(InvalidMessageRecordError);
  });

  it('names every prefix a message may hold objects under, in either layout', () => {
    // Act
    const prefixes = messageKeyPrefixes('media/', {
      accountSid: TEST_ACCOUNT_SID,
      messageSid: TEST_MESSAGE_SID,
      day: '2025-12-31',
    });

    // Assess
    expect(prefixes).toEqual([
      `media/${TEST_ACCOUNT_SID}/2025/12/31/${TEST_MESSAGE_SID}/`,
      `media/_records/${TEST_ACCOUNT_SID}/2025/12/31/${TEST_MESSAGE_SID}.json`,
      `media/_index/${TEST_MESSAGE_SID}/${TEST_ACCOUNT_SID}/2025/12/31`,
    ]);
  });

  it.each([
    ['not JSON', 'nope'],
    ['another schema', '{"schema":"x","version":1}'],
    ['a bad sha256', serializeMessageRecord(buildMessageRecord(job, [{ ...media, sha256: 'z' }]))],
  ])('refuses %s', (_, text) => {
    // Act / Assess
    expect(() => parseMessageRecord(text)).toThrow(InvalidMessageRecordError);
  });
});

describe('parseMediaJob with a message', () => {
  const base = { ...job } as MediaJob;

  it('refuses a message whose media list does not name the job at its index', () => {
    // Prepare
    const body = JSON.stringify({
      ...base,
      index: 0,
      message: { media: [{ sid: testMediaSid(9), contentType: 'image/jpeg' }] },
    });

    // Act / Assess
    expect(() => parseMediaJob(body)).toThrow(InvalidJobError);
  });

  it('refuses a non-string body', () => {
    // Prepare
    const body = JSON.stringify({ ...base, message: { ...job.message, body: 42 } });

    // Act / Assess
    expect(() => parseMediaJob(body)).toThrow(InvalidJobError);
  });
  it('reads back any direction Twilio names, and refuses one it does not', () => {
    // Prepare
    const outbound = buildMessageRecord(
      { ...job, source: 'backfill', message: { ...job.message, direction: 'outbound-reply' } },
      [media],
    );
    const text = serializeMessageRecord(outbound);

    // Act / Assess
    expect(parseMessageRecord(text).direction).toBe('outbound-reply');
    expect(() => parseMessageRecord(text.replace('outbound-reply', 'sideways'))).toThrow(
      InvalidMessageRecordError,
    );
    expect(() =>
      parseMediaJob(JSON.stringify({ ...job, message: { ...job.message, direction: 'sideways' } })),
    ).toThrow(InvalidJobError);
  });

  it('carries the participants as pseudonyms and no clear number by default', () => {
    // Prepare
    const key = participantKeyOf('p'.repeat(40));
    const participants = participantsOf(key, { from: '+15550100001', to: '+15005550001' });
    const { to: _, ...withoutAddresses } = job;
    const pseudonymous: RecordableJob = {
      ...withoutAddresses,
      message: { ...job.message, participants },
    };

    // Act
    const text = serializeMessageRecord(buildMessageRecord(pseudonymous, [media]));
    const read = parseMessageRecord(text);

    // Assess
    expect(read.participants).toEqual(participants);
    expect(read).not.toHaveProperty('from');
    expect(read).not.toHaveProperty('to');
    expect(text).not.toMatch(/5550100001|5005550001/);
  });

  it('refuses a record whose participants are not pseudonyms', () => {
    // Prepare
    const record = buildMessageRecord(job, [media]);
    const text = JSON.stringify({
      ...record,
      participants: [{ role: 'from', channel: 'sms', id: '+15550100001', keyId: 'abc' }],
    });

    // Act / Assess
    expect(() => parseMessageRecord(text)).toThrow(InvalidMessageRecordError);
  });
});
