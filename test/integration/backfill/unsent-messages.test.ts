import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command as backfillCommand } from '../../../lib/cli/commands/backfill.ts';
import { DEMO_CREDENTIALS_FILE } from '../../../lib/config/local-stack-files.ts';
import { startFauxqsServer } from '../../../lib/stand-ins/fauxqs-server.ts';
import type { LocalS3Server } from '../../../lib/stand-ins/s3-server.ts';
import {
  type MessageOrder,
  type SeededMessage,
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { localS3Client } from '../../helpers/archived-objects.ts';
import { type ArchivedObject, readArchive } from '../../helpers/local-stack.ts';
import { makeMediaBody } from '../../helpers/media-fixtures.ts';
import { runnerOf } from '../../helpers/run-cli.ts';
import { captureStream } from './seed.ts';

const runBackfill = runnerOf(backfillCommand);

const BUCKET = 'twilio-media-archive';
const DAY_MS = 86_400_000;

/**
 * `date_sent` is null for messages Twilio never sent, so a `DateSent` window cannot list them;
 * backfill's newest-first walk must, whichever order Twilio's list really has.
 */
describe.each(['date-sent', 'date-created'] as MessageOrder[])(
  'backfill --direction all and messages never sent (list ordered by %s)',
  (order) => {
    let dataDir: string;
    let s3Server: LocalS3Server;
    let emulator: TwilioEmulator;
    let failed: SeededMessage;
    let canceled: SeededMessage;
    let beforeWindow: SeededMessage;
    let sent: SeededMessage;
    let result: { code: number; stdout: string; stderr: string };
    let archive: ArchivedObject[];

    beforeAll(async () => {
      // Prepare
      dataDir = await mkdtemp(join(tmpdir(), 'unsent-it-'));
      s3Server = await startFauxqsServer({ directory: join(dataDir, 's3'), buckets: [BUCKET] });
      emulator = await startTwilioEmulator({ messageOrder: order });
      await writeFile(
        join(dataDir, DEMO_CREDENTIALS_FILE),
        JSON.stringify({
          accountSid: emulator.accountSid,
          authToken: emulator.authToken,
          apiKey: emulator.apiKey,
        }),
      );
      const now = Date.now();
      const seed = (n: number, hoursAgo: number, extra: object) =>
        emulator.addMessage({
          dateCreated: new Date(now - hoursAgo * 3_600_000),
          media: [{ contentType: 'image/jpeg', body: makeMediaBody(1_500 + n, n) }],
          ...extra,
        });
      failed = seed(1, 20, { direction: 'outbound-api', status: 'failed', dateSent: null });
      canceled = seed(2, 2, { direction: 'outbound-api', status: 'canceled', dateSent: null });
      sent = seed(3, 5, { direction: 'inbound' });
      // Created three days ago: outside a window of yesterday and today.
      beforeWindow = seed(4, 72, { direction: 'outbound-api', status: 'failed', dateSent: null });
      // Enough older sent traffic that the walk has pages to stop before.
      for (let n = 0; n < 12; n += 1) seed(10 + n, 96 + n, { direction: 'inbound' });
      const since = new Date(now - DAY_MS).toISOString().slice(0, 10);

      // Act
      const stdout = captureStream();
      const stderr = captureStream();
      const code = await runBackfill(
        [
          '--since',
          since,
          '--direction',
          'all',
          '--direct',
          '--local',
          '--json',
          '--page-size',
          '3',
        ],
        {
          stdout: stdout.stream,
          stderr: stderr.stream,
          cwd: dataDir,
          env: {
            TWILIO_ACCOUNT_SID: emulator.accountSid,
            TWILIO_AUTH_TOKEN: emulator.authToken,
            LOCAL_S3_PORT: String(s3Server.port),
            LOCAL_TWILIO_PORT: new URL(emulator.apiBaseUrl).port,
            LOCAL_TWILIO_CDN_PORT: new URL(emulator.cdnBaseUrl).port,
            LOCAL_DATA_DIR: dataDir,
          },
        },
      );
      result = { code, stdout: stdout.text(), stderr: stderr.text() };
      archive = await readArchive(localS3Client(s3Server.endpoint), BUCKET);
    });

    afterAll(async () => {
      await emulator?.close();
      await s3Server?.close();
      await rm(dataDir, { recursive: true, force: true });
    });

    it("archives a failed and a canceled outbound message's media although their date_sent is null", () => {
      // Assess
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      for (const message of [failed, canceled, sent]) {
        const media = message.media[0];
        const object = archive.find((o) => o.key.includes(media?.sid ?? '-'));
        expect(object?.sha256).toBe(media?.sha256);
        expect(emulator.hasMedia(media?.sid ?? '')).toBe(false);
      }
    });

    it('leaves a never-sent message created before the window alone, and stops the walk early', () => {
      // Assess
      const outside = beforeWindow.media[0]?.sid ?? '-';
      expect(emulator.hasMedia(outside)).toBe(true);
      expect(archive.some((o) => o.key.includes(outside))).toBe(false);
      const unfiltered = emulator.requests.filter(
        (r) => r.method === 'GET' && r.path.endsWith('/Messages.json'),
      );
      // 17 messages in pages of 3 = 6 pages; the walk must stop before reading them all (plus the
      // two DateSent days' pages it shares the path with).
      expect(unfiltered.length).toBeLessThan(6 + 2);
      const summary = JSON.parse(result.stdout);
      expect(summary.counts.mediaFound).toBe(3);
    });
  },
);
