import { PassThrough } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../lib/cli/main.ts';
import { parseMessageRecord } from '../../../lib/domain/message-record.ts';
import type { TwilioEmulator } from '../../../lib/stand-ins/twilio-emulator.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { startTestStack } from '../../helpers/local-stack.ts';
import { makeSeedMedia } from '../../helpers/media-fixtures.ts';
import { postWebhookFor, waitUntilSettled } from '../reliability/audit.ts';

const ALICE = '+14155550123';
const BOB = '+14155550124';

/**
 * The local stack makes its own participant key (`{dataDir}/participant-key`): records name the
 * participants by pseudonym only, and `find --local` finds them with that key.
 */
describe('participants through the local stack', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let emulator: TwilioEmulator;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    output = captureOutput();
    stack = await startTestStack({}, { LOCAL_VISIBILITY_TIMEOUT: '1' });
    if (!stack.emulator) throw new Error('demo mode expected');
    emulator = stack.emulator;
  });

  afterAll(async () => {
    await stack?.close();
    output?.restore();
  });

  const cli = async (args: string[]) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => out.push(chunk));
    stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const code = await runCli(args, {
      stdout,
      stderr,
      env: {
        LOCAL_S3_PORT: String(stack.s3Server.port),
        ARCHIVE_BUCKET: stack.bucket,
        LOCAL_DATA_DIR: stack.dataDir,
      },
    });
    return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  };

  it('records carry pseudonyms and no number by default, and find --local matches only that sender', async () => {
    // Prepare
    const seedOne = (n: number) =>
      emulator.addMessage({
        direction: 'inbound',
        media: [makeSeedMedia({ size: 2_000, seed: n, contentType: 'image/png' })],
      });
    const fromAlice = seedOne(1);
    const fromBob = seedOne(2);
    const day = new Date().toISOString().slice(0, 10);
    const recordKey = (sid: string) =>
      `media/_records/${stack.accountSid}/${day.replaceAll('-', '/')}/${sid}.json`;

    // Act
    await postWebhookFor(stack, fromAlice, { from: ALICE });
    await postWebhookFor(stack, fromBob, { from: BOB });
    await waitUntilSettled(
      stack,
      async () => {
        for (const message of [fromAlice, fromBob]) {
          try {
            await stack.s3.send(
              new GetObjectCommand({ Bucket: stack.bucket, Key: recordKey(message.sid) }),
            );
          } catch {
            return false;
          }
        }
        return true;
      },
      { what: 'both records' },
    );
    const answer = await stack.s3.send(
      new GetObjectCommand({ Bucket: stack.bucket, Key: recordKey(fromAlice.sid) }),
    );
    const text = (await answer.Body?.transformToString()) ?? '';
    const found = await cli(['find', '--local', '--participant', ALICE, '--date', day, '--json']);

    // Assess
    const record = parseMessageRecord(text);
    expect(record.participants?.map((p) => p.role)).toEqual(['from', 'to']);
    expect(record).not.toHaveProperty('from');
    expect(text).not.toContain('5550123');
    expect(found.code).toBe(0);
    expect(
      JSON.parse(found.stdout).messages.map((m: { messageSid: string }) => m.messageSid),
    ).toEqual([fromAlice.sid]);
  });
});
