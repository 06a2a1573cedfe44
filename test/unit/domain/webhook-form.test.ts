import { describe, expect, it } from 'vitest';
import { parseMediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';
import { participantKeyOf, participantsOf } from '../../../lib/domain/participant.ts';
import { InvalidWebhookError } from '../../../lib/domain/webhook-errors.ts';
import { mediaJobsFromWebhook } from '../../../lib/domain/webhook-form.ts';
import {
  buildMmsFields,
  type FormFields,
  TEST_ACCOUNT_SID,
  TEST_MESSAGE_SID,
  testMediaSid,
} from '../../helpers/twilio-webhook.ts';

const RECEIVED_AT = '2025-03-04T05:06:07.089Z';
const options = { receivedAt: RECEIVED_AT, archiveAddresses: false };
const mediaPath = `/2010-04-01/Accounts/${TEST_ACCOUNT_SID}/Messages/${TEST_MESSAGE_SID}/Media`;

const threeMedia = (): FormFields =>
  buildMmsFields({
    media: [
      { mediaSid: testMediaSid(1), contentType: 'image/jpeg' },
      { mediaSid: testMediaSid(2), contentType: 'image/png' },
      { mediaSid: testMediaSid(3), contentType: 'video/mp4' },
    ],
  });

const refusal = (fields: FormFields): string => {
  try {
    mediaJobsFromWebhook(fields, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidWebhookError);
    expect((error as InvalidWebhookError).statusCode).toBe(400);
    return (error as Error).message;
  }
  throw new Error('expected InvalidWebhookError');
};

describe('mediaJobsFromWebhook', () => {
  it('makes one job per media, in MediaUrlN order, with the SID from the URL path', () => {
    // Prepare
    const fields = threeMedia();

    // Act
    const jobs = mediaJobsFromWebhook(fields, options);

    // Assess
    expect(jobs).toEqual(
      [1, 2, 3].map((n, index) => ({
        version: 1,
        accountSid: TEST_ACCOUNT_SID,
        messageSid: TEST_MESSAGE_SID,
        mediaSid: testMediaSid(n),
        contentType: ['image/jpeg', 'image/png', 'video/mp4'][index],
        receivedAt: RECEIVED_AT,
        index,
        source: 'webhook',
        message: {
          media: [1, 2, 3].map((m, i) => ({
            sid: testMediaSid(m),
            contentType: ['image/jpeg', 'image/png', 'video/mp4'][i],
          })),
          numSegments: 1,
          messagingServiceSid: fields.MessagingServiceSid,
        },
      })),
    );
    for (const job of jobs) expect(parseMediaJob(serializeMediaJob(job))).toEqual(job);
  });

  it('carries the Body in the message only with archiveMessageBody', () => {
    // Prepare
    const fields = { ...threeMedia(), Body: 'Invoice attached, ünïcode ok' };

    // Act
    const without = mediaJobsFromWebhook(fields, options);
    const withBody = mediaJobsFromWebhook(fields, { ...options, archiveMessageBody: true });

    // Assess
    expect(without.every((job) => job.message && !('body' in job.message))).toBe(true);
    expect(withBody.map((job) => job.message?.body)).toEqual(Array(3).fill(fields.Body));
    for (const job of withBody) expect(parseMediaJob(serializeMediaJob(job))).toEqual(job);
  });

  it('leaves out a malformed NumSegments or MessagingServiceSid instead of refusing the webhook', () => {
    // Prepare
    const fields = { ...threeMedia(), NumSegments: 'x', MessagingServiceSid: 'MGnope' };

    // Act
    const [job] = mediaJobsFromWebhook(fields, options);

    // Assess
    expect(job?.message).toEqual({
      media: expect.any(Array),
    });
  });

  it('makes no job for a text-only message', () => {
    // Prepare
    const fields = buildMmsFields({ media: [] });

    // Act
    const jobs = mediaJobsFromWebhook(fields, options);

    // Assess
    expect(jobs).toEqual([]);
  });

  it('accepts 10 media, and any host (it is never kept)', () => {
    // Prepare
    const media = Array.from({ length: 10 }, (_, n) => ({
      mediaSid: testMediaSid(n + 10),
      contentType: 'image/gif',
    }));
    const fields = buildMmsFields({ media, apiBaseUrl: 'http://127.0.0.1:4010' });

    // Act
    const jobs = mediaJobsFromWebhook(fields, options);

    // Assess
    expect(jobs.map((job) => job.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(JSON.stringify(jobs)).not.toContain('127.0.0.1');
  });

  it('puts From/To into the message as keyed pseudonyms only, with a participant key', () => {
    // Prepare
    const fields = buildMmsFields({
      whatsapp: true,
      media: [{ mediaSid: testMediaSid(1), contentType: 'image/jpeg' }],
    });
    const participantKey = participantKeyOf('w'.repeat(40));

    // Act
    const [job] = mediaJobsFromWebhook(fields, { ...options, participantKey });
    const [unkeyed] = mediaJobsFromWebhook(fields, options);

    // Assess
    expect(job?.message?.participants).toEqual(
      participantsOf(participantKey, {
        from: 'whatsapp:+14155550199',
        to: 'whatsapp:+14155550100',
      }),
    );
    expect(job?.message?.participants?.map((p) => p.channel)).toEqual(['whatsapp', 'whatsapp']);
    expect(JSON.stringify(job)).not.toContain('4155550199');
    expect(parseMediaJob(JSON.stringify(job)).message?.participants).toHaveLength(2);
    expect(unkeyed?.message).not.toHaveProperty('participants');
  });

  it('keeps phone numbers out of jobs unless archiveAddresses is set', () => {
    // Prepare
    const fields = buildMmsFields({
      whatsapp: true,
      media: [{ mediaSid: testMediaSid(1), contentType: 'image/jpeg' }],
    });

    // Act
    const [without] = mediaJobsFromWebhook(fields, options);
    const [withAddresses] = mediaJobsFromWebhook(fields, { ...options, archiveAddresses: true });

    // Assess
    expect(without).not.toHaveProperty('from');
    expect(without).not.toHaveProperty('to');
    expect(withAddresses).toMatchObject({
      from: 'whatsapp:+14155550199',
      to: 'whatsapp:+14155550100',
    });
  });

  it('defaults a missing content type and drops parameters of a present one', () => {
    // Prepare
    const fields = threeMedia();
    delete fields.MediaContentType0;
    fields.MediaContentType1 = 'Audio/OGG; codecs=opus';

    // Act
    const jobs = mediaJobsFromWebhook(fields, options);

    // Assess
    expect(jobs.map((job) => job.contentType)).toEqual([
      'application/octet-stream',
      'audio/ogg',
      'video/mp4',
    ]);
  });

  it('ignores a query string on a media URL', () => {
    // Prepare
    const fields = threeMedia();
    fields.MediaUrl0 = `https://api.twilio.com${mediaPath}/${testMediaSid(1)}?foo=bar`;

    // Act
    const [job] = mediaJobsFromWebhook(fields, options);

    // Assess
    expect(job?.mediaSid).toBe(testMediaSid(1));
  });

  it.each<[string, (fields: FormFields) => void, RegExp]>([
    ['a missing AccountSid', (f) => delete f.AccountSid, /AccountSid/],
    ['a malformed AccountSid', (f) => (f.AccountSid = 'AC123'), /AccountSid/],
    [
      'a repeated AccountSid',
      (f) => (f.AccountSid = [TEST_ACCOUNT_SID, TEST_ACCOUNT_SID]),
      /AccountSid/,
    ],
    ['a missing MessageSid', (f) => delete f.MessageSid, /MessageSid/],
    ['a MessageSid of the wrong kind', (f) => (f.MessageSid = `CA${'0'.repeat(32)}`), /MessageSid/],
    ['a missing NumMedia', (f) => delete f.NumMedia, /NumMedia/],
    ['NumMedia 11', (f) => (f.NumMedia = '11'), /NumMedia/],
    ['NumMedia -1', (f) => (f.NumMedia = '-1'), /NumMedia/],
    ['NumMedia 1.5', (f) => (f.NumMedia = '1.5'), /NumMedia/],
    ['NumMedia " 2"', (f) => (f.NumMedia = ' 2'), /NumMedia/],
    ['NumMedia 0x3', (f) => (f.NumMedia = '0x3'), /NumMedia/],
    ['a missing MediaUrl2', (f) => delete f.MediaUrl2, /MediaUrl2 missing/],
    ['NumMedia above the URLs sent', (f) => (f.NumMedia = '4'), /MediaUrl3 missing/],
    [
      'a media URL of another account',
      (f) => (f.MediaUrl1 = String(f.MediaUrl1).replace(TEST_ACCOUNT_SID, `AC${'f'.repeat(32)}`)),
      /MediaUrl1 belongs to another account or message/,
    ],
    [
      'a media URL of another message',
      (f) => (f.MediaUrl1 = String(f.MediaUrl1).replace(TEST_MESSAGE_SID, `MM${'f'.repeat(32)}`)),
      /MediaUrl1 belongs to another account or message/,
    ],
    [
      'a dot-dot segment',
      (f) => (f.MediaUrl0 = `https://api.twilio.com${mediaPath}/x/../${testMediaSid(1)}`),
      /MediaUrl0 is not a Twilio media URL/,
    ],
    [
      'an encoded slash',
      (f) => (f.MediaUrl0 = `https://api.twilio.com${mediaPath}%2F${testMediaSid(1)}`),
      /MediaUrl0 is not/,
    ],
    [
      'an extra segment',
      (f) => (f.MediaUrl0 = `https://api.twilio.com${mediaPath}/${testMediaSid(1)}/extra`),
      /MediaUrl0 is not/,
    ],
    [
      'a .json suffix',
      (f) => (f.MediaUrl0 = `https://api.twilio.com${mediaPath}/${testMediaSid(1)}.json`),
      /MediaUrl0 is not/,
    ],
    [
      'a backslash',
      (f) =>
        (f.MediaUrl0 = `https://api.twilio.com\\2010-04-01${mediaPath.slice(11)}/${testMediaSid(1)}`),
      /MediaUrl0 is not/,
    ],
    [
      'a relative URL',
      (f) => (f.MediaUrl0 = `${mediaPath}/${testMediaSid(1)}`),
      /MediaUrl0 is not/,
    ],
    [
      'another scheme',
      (f) => (f.MediaUrl0 = `file://api.twilio.com${mediaPath}/${testMediaSid(1)}`),
      /MediaUrl0 is not/,
    ],
    [
      'a media SID that is not ME…',
      (f) => (f.MediaUrl0 = `https://api.twilio.com${mediaPath}/MM${'0'.repeat(32)}`),
      /MediaUrl0 is not/,
    ],
    ['an invalid content type', (f) => (f.MediaContentType2 = 'not a type'), /MediaContentType2/],
  ])('refuses %s with a one-line reason', (_name, mutate, reason) => {
    // Prepare
    const fields = threeMedia();
    mutate(fields);

    // Act
    const message = refusal(fields);

    // Assess
    expect(message).toMatch(reason);
    expect(message).not.toContain('\n');
  });

  it('never echoes the offending value back', () => {
    // Prepare
    const fields = threeMedia();
    fields.MediaUrl0 = 'https://attacker.example/<script>';

    // Act
    const message = refusal(fields);

    // Assess
    expect(message).not.toContain('attacker');
  });
});
