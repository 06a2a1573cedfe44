import { describe, expect, it } from 'vitest';
import {
  archiveKeyFor,
  extensionFor,
  messageIndexKeyFor,
  neighbourDayKeysFor,
} from '../../../lib/domain/archive-key.ts';

const job = {
  accountSid: `AC${'a'.repeat(32)}`,
  messageSid: `MM${'b'.repeat(32)}`,
  mediaSid: `ME${'c'.repeat(32)}`,
  contentType: 'image/jpeg',
  receivedAt: '2026-01-05T23:59:59.999Z',
};

describe('archiveKeyFor', () => {
  it('lays out account / UTC day / message / media + extension', () => {
    // Act
    const key = archiveKeyFor('media/', job);

    // Assess
    expect(key).toBe(`media/${job.accountSid}/2026/01/05/${job.messageSid}/${job.mediaSid}.jpg`);
  });

  it('uses the UTC day even when the instant is another day in local time', () => {
    // Act
    const key = archiveKeyFor('', { ...job, receivedAt: '2026-12-31T23:30:00Z' });

    // Assess
    expect(key.startsWith(`${job.accountSid}/2026/12/31/`)).toBe(true);
  });

  it('writes no extension for unknown content types', () => {
    // Act
    const key = archiveKeyFor('media/', { ...job, contentType: 'application/x-unknown' });

    // Assess
    expect(key.endsWith(`/${job.mediaSid}`)).toBe(true);
  });
});

describe('extensionFor', () => {
  it.each([
    ['image/jpeg', '.jpg'],
    ['IMAGE/PNG', '.png'],
    ['image/gif', '.gif'],
    ['application/pdf', '.pdf'],
    ['audio/ogg; codecs=opus', '.ogg'],
    ['video/mp4', '.mp4'],
    ['text/vcard', '.vcf'],
    ['text/x-vcard', '.vcf'],
    ['application/octet-stream', ''],
  ])('maps %s to "%s"', (contentType, extension) => {
    expect(extensionFor(contentType)).toBe(extension);
  });
});

describe('messageIndexKeyFor', () => {
  it('puts the message SID first so one prefix listing finds its day', () => {
    // Act
    const key = messageIndexKeyFor('media/', job);

    // Assess
    expect(key).toBe(`media/_index/${job.messageSid}/${job.accountSid}/2026/01/05`);
  });
});

describe('neighbourDayKeysFor', () => {
  it.each([
    ['2026-11-26T23:59:58Z', ['2026/11/27']],
    ['2026-11-27T00:00:14Z', ['2026/11/26']],
    ['2026-11-27T12:00:00Z', []],
  ])('for %s names the other day only near midnight', (receivedAt, days) => {
    // Act
    const keys = neighbourDayKeysFor('media/', { ...job, receivedAt });

    // Assess
    expect(keys).toEqual(
      days.map((day) => `media/${job.accountSid}/${day}/${job.messageSid}/${job.mediaSid}.jpg`),
    );
  });
});
