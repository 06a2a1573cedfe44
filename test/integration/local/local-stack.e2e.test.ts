import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../lib/local/local-stack.ts';
import type { SeededMessage } from '../../../lib/local/twilio-emulator.ts';
import { incomingMessageFields, postSignedWebhook } from '../../../lib/local/webhook-client.ts';
import { approximateCount, waitFor } from '../../helpers/local-sqs.ts';
import { type ArchivedObject, readArchive, startTestStack } from '../../helpers/local-stack.ts';
import { makeMediaBody, sha256Hex } from '../../helpers/media-fixtures.ts';
import { runMediaArchive } from '../../helpers/run-cli.ts';

describe('local stack end to end', () => {
  let stack: LocalStack & { dataDir: string };
  let mms: SeededMessage;
  let sms: SeededMessage;
  let forgedTarget: SeededMessage;
  let archive: ArchivedObject[];
  const answers: Array<{ name: string; status: number; contentType: string | null; body: string }> =
    [];

  beforeAll(async () => {
    // Prepare
    stack = await startTestStack();
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    mms = emulator.addMessage({
      direction: 'inbound',
      media: [
        { contentType: 'image/jpeg', body: makeMediaBody(1024, 1), filename: 'a.jpg' },
        { contentType: 'image/png', body: makeMediaBody(200_000, 2) },
        { contentType: 'application/pdf', body: makeMediaBody(3_000_000, 3), filename: 'b.pdf' },
      ],
    });
    sms = emulator.addMessage({ direction: 'inbound', media: [] });
    forgedTarget = emulator.addMessage({
      direction: 'inbound',
      media: [{ contentType: 'image/gif', body: makeMediaBody(500, 4) }],
    });
    const post = async (name: string, message: SeededMessage, authToken = stack.authToken) => {
      const fields = incomingMessageFields({ accountSid: stack.accountSid, message, body: 'hi' });
      answers.push({
        name,
        ...(await postSignedWebhook({ webhookUrl: stack.webhookUrl, authToken, fields })),
      });
    };

    // Act
    await post('mms', mms);
    await post('sms', sms);
    await post('mms duplicate', mms);
    await post('forged', forgedTarget, 'not-the-auth-token');
    await waitFor(
      async () =>
        mms.media.every((m) => !emulator.hasMedia(m.sid)) &&
        (await approximateCount(stack.sqs, stack.queueUrl)) === 0,
      { timeoutMs: 60_000, what: 'all media archived and the queue drained' },
    );
    archive = await readArchive(stack.s3, stack.bucket);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('answers Twilio with empty TwiML, and the forged request with 403', () => {
    // Assess
    expect(answers.map((a) => [a.name, a.status])).toEqual([
      ['mms', 200],
      ['sms', 200],
      ['mms duplicate', 200],
      ['forged', 403],
    ]);
    for (const answer of answers.slice(0, 3)) {
      expect(answer.contentType).toMatch(/^text\/xml/);
      expect(answer.body).toBe('<Response/>');
    }
    expect(answers[3]?.body).not.toContain(forgedTarget.sid);
  });

  it('archives every media of the MMS exactly once with the original bytes', () => {
    // Assess
    expect(archive).toHaveLength(3);
    for (const media of mms.media) {
      const copies = archive.filter((o) => o.key.includes(media.sid));
      expect(copies).toHaveLength(1);
      expect(copies[0]?.sha256).toBe(media.sha256);
      expect(copies[0]?.size).toBe(media.size);
      // One pass: no sha256 metadata; S3's own stored checksum is the digest.
      expect(copies[0]?.storedSha256).toBe(media.sha256);
      expect(copies[0]?.metadata.size).toBe(String(media.size));
      expect(copies[0]?.key).toMatch(
        new RegExp(
          `^media/${stack.accountSid}/\\d{4}/\\d{2}/\\d{2}/${mms.sid}/${media.sid}\\.(jpg|png|pdf)$`,
        ),
      );
    }
  });

  it('deletes each media at Twilio only after S3 acknowledged its PUT', async () => {
    // Prepare
    const s3Log = await stack.s3Server.requestLog();

    // Assess
    for (const media of mms.media) {
      const deletion = stack.emulator?.deletion(media.sid);
      const put = s3Log.find(
        (entry) => entry.method === 'PUT' && entry.path.includes(media.sid) && entry.status === 200,
      );
      expect(deletion).toBeDefined();
      expect(put).toBeDefined();
      expect(put?.at).toBeLessThanOrEqual(deletion?.at ?? 0);
    }
  });

  it('never sent credentials to the CDN, and touched nothing for the forged webhook', () => {
    // Assess
    const requests = stack.emulator?.requests ?? [];
    expect(requests.filter((r) => r.origin === 'cdn' && r.hadAuthorization)).toEqual([]);
    expect(stack.emulator?.hasMedia(forgedTarget.media[0]?.sid ?? '')).toBe(true);
    expect(requests.some((r) => r.path.includes(forgedTarget.sid))).toBe(false);
    expect(archive.some((o) => o.key.includes(forgedTarget.sid))).toBe(false);
  });

  it('leaves nothing in the dead-letter queue', async () => {
    // Assess
    expect(await approximateCount(stack.sqs, stack.deadLetterQueueUrl)).toBe(0);
  });

  describe('the media-archive CLI on that archive', () => {
    const cli = (args: string[]) =>
      runMediaArchive(
        [...args, '--local'],
        {
          LOCAL_S3_PORT: new URL(stack.s3Endpoint).port,
          ARCHIVE_BUCKET: stack.bucket,
        },
        stack.dataDir,
      );

    it('ls --message lists the three media with sizes and content types', async () => {
      // Act
      const result = await cli(['ls', '--message', mms.sid, '--json']);

      // Assess
      expect(result.code).toBe(0);
      const listed = JSON.parse(result.stdout) as {
        media: Array<{ mediaSid: string; size: number; contentType: string }>;
        count: number;
      };
      expect(listed.count).toBe(3);
      expect(listed.media.map((m) => [m.mediaSid, m.size, m.contentType]).sort()).toEqual(
        mms.media.map((m) => [m.sid, m.size, m.contentType]).sort(),
      );
    });

    it('get downloads a media byte for byte', async () => {
      // Prepare
      const media = mms.media[2];
      if (!media) throw new Error('seed missing');
      const target = join(stack.dataDir, 'downloaded.pdf');

      // Act
      const result = await cli(['get', media.sid, '--message', mms.sid, '-o', target]);

      // Assess
      expect(result.code).toBe(0);
      expect(sha256Hex(await readFile(target))).toBe(media.sha256);
    });

    it('stats counts the media and bytes by content type', async () => {
      // Act
      const result = await cli(['stats', '--json']);

      // Assess
      expect(result.code).toBe(0);
      const stats = JSON.parse(result.stdout) as {
        count: number;
        bytes: number;
        byContentType: Record<string, { count: number; bytes: number }> | unknown;
      };
      expect(stats.count).toBe(3);
      expect(stats.bytes).toBe(mms.media.reduce((sum, m) => sum + m.size, 0));
      expect(JSON.stringify(stats.byContentType)).toContain('application/pdf');
    });
  });
});
