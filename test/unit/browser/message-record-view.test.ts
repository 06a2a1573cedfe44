import { describe, expect, it } from 'vitest';
import { createPaths } from '../../../lib/browser/paths.ts';
import { renderMessage } from '../../../lib/browser/views/message-view.ts';
import { formatLsLine, toListedMedia } from '../../../lib/cli/format.ts';
import type { MessageRecord } from '../../../lib/domain/message-record.ts';
import {
  BROWSER_AC,
  browserMediaSid,
  browserMessageSid,
  fakeEntry,
} from '../../helpers/archive-browser.ts';

const entry = fakeEntry({
  messageSid: browserMessageSid(1),
  mediaSid: browserMediaSid(1),
  day: '2026-12-01',
  extension: '.jpg',
});
const record: MessageRecord = {
  schema: 'twilio-media-archiver/message-record',
  version: 1,
  accountSid: BROWSER_AC,
  messageSid: browserMessageSid(1),
  messagingServiceSid: `MG${'c'.repeat(32)}`,
  direction: 'inbound',
  receivedAt: '2026-12-01T09:14:03.512Z',
  numMedia: 1,
  numSegments: 2,
  body: '<script>alert(1)</script> see photo',
  from: '+14155550123',
  media: [],
};

describe('the message page with its record', () => {
  it('shows the record, escaping the body, and the From the record holds', () => {
    // Act
    const page = renderMessage(
      { messageSid: record.messageSid, media: [{ entry, details: undefined }], record },
      createPaths('/archive', 'media/'),
    );

    // Assess
    expect(page).toContain('Message record');
    expect(page).toContain(`MG${'c'.repeat(32)}`);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; see photo');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('+14155550123');
  });

  it('renders as before without a record', () => {
    // Act
    const page = renderMessage(
      { messageSid: record.messageSid, media: [{ entry, details: undefined }] },
      createPaths('/archive', 'media/'),
    );

    // Assess
    expect(page).not.toContain('Message record');
  });
});

describe('ls --details on an Object Lock bucket', () => {
  it('adds a fifth column with retention and hold, and only then', () => {
    // Prepare
    const locked = toListedMedia(entry, {
      contentType: 'image/jpeg',
      receivedAt: '2026-12-01T09:14:03.512Z',
      originalFilename: undefined,
      sha256: undefined,
      size: 100,
      retention: { mode: 'GOVERNANCE', until: '2027-12-01T09:14:04.000Z' },
      legalHold: 'ON',
    });
    const plain = toListedMedia(entry);

    // Act
    const lines = [formatLsLine(locked), formatLsLine(plain)];

    // Assess
    expect(lines[0]?.split('\t')).toHaveLength(5);
    expect(lines[0]?.split('\t')[4]).toBe('retention=GOVERNANCE:2027-12-01T09:14:04.000Z hold=ON');
    expect(lines[1]?.split('\t')).toHaveLength(4);
  });
});
