import { describe, expect, it } from 'vitest';
import { humanizeOutput } from '../../../lib/local/human-log.ts';

const line = (entry: Record<string, unknown>) => JSON.stringify(entry);

describe('humanizeOutput (npm start quiet log mode)', () => {
  it('turns an archived media into two short lines', () => {
    // Prepare
    const entry = line({
      level: 'INFO',
      message: 'media archived',
      mediaSid: `ME${'a'.repeat(32)}`,
      key: 'media/AC1/2026/12/01/MM1/ME1.jpg',
      size: 277_504,
      twilio: 'deleted',
      archive: { sha256: 'x'.repeat(64) },
      xray_trace_id: 'long',
    });
    // Act
    const out = humanizeOutput(`${entry}\n`);
    // Assess
    expect(out).toBe(
      `archived ME${'a'.repeat(32)} (271 KiB) → media/AC1/2026/12/01/MM1/ME1.jpg\n  deleted at Twilio\n`,
    );
  });

  it('drops the metrics blobs and names a refusal reason', () => {
    // Prepare
    const metrics = line({ _aws: { CloudWatchMetrics: [] }, MediaArchived: 1 });
    const refused = line({
      level: 'WARN',
      message: 'webhook refused',
      statusCode: 403,
      reason: 'X-Twilio-Signature invalid for https://t.example/twilio/messages',
    });
    // Act
    const out = humanizeOutput(`${metrics}\n${refused}\n`);
    // Assess
    expect(out).toBe(
      'webhook refused (403): X-Twilio-Signature invalid for https://t.example/twilio/messages\n',
    );
  });

  it('names the message record by its key, written or found', () => {
    // Prepare
    const key = 'media/AC1/2026/12/01/MM1/message.json';
    const written = line({
      level: 'INFO',
      message: 'message record written',
      messageSid: 'MM1',
      key,
    });
    const found = line({ level: 'INFO', message: 'message record found', messageSid: 'MM1', key });
    // Act
    const out = humanizeOutput(`${written}\n${found}\n`);
    // Assess
    expect(out).toBe(`message record → ${key}\nmessage record already at ${key}\n`);
  });

  it('leaves lines that are not log entries alone', () => {
    expect(humanizeOutput('twilio-media-archiver — local stack\n{not json\n')).toBe(
      'twilio-media-archiver — local stack\n{not json\n',
    );
  });
});
