import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../lib/local/local-stack.ts';
import type { SeededMessage } from '../../../lib/stand-ins/twilio-emulator.ts';
import { incomingMessageFields } from '../../../lib/stand-ins/webhook-client.ts';
import { approximateCount, waitFor } from '../../helpers/local-sqs.ts';
import { type ArchivedObject, readArchive, startTestStack } from '../../helpers/local-stack.ts';
import { makeMediaBody } from '../../helpers/media-fixtures.ts';

const KEY_ID = 'KS0123456789abcdef0123456789abcdef';
const SECRET = 'a-shared-key-secret-the-account-created';

/**
 * A webhook signed with a shared key (Twilio's public beta) through the real webhook and archiver
 * handlers; signatures and the settings header as twilio-node computes and names them.
 */
describe('webhooks signed with a shared key', () => {
  let stack: LocalStack & { dataDir: string };
  let signed: Array<{ algorithm: 'HMAC_SHA256' | 'HMAC_SHA1'; message: SeededMessage }>;
  let wronglySigned: SeededMessage;
  let answers: number[];
  let archive: ArchivedObject[];

  const post = async (
    message: SeededMessage,
    algorithm: 'HMAC_SHA256' | 'HMAC_SHA1',
    secret: string,
  ) => {
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    const fields = incomingMessageFields({ accountSid: emulator.accountSid, message });
    const response = await fetch(stack.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(
          secret,
          stack.webhookUrl,
          fields,
          algorithm,
        ),
        [twilio.SIGNATURE_SETTINGS_HEADER]: `key=${KEY_ID},algorithm=${algorithm}`,
      },
      body: new URLSearchParams(fields).toString(),
    });
    await response.body?.cancel();
    return response.status;
  };

  beforeAll(async () => {
    // Prepare
    stack = await startTestStack({
      lambdaEnv: { TWILIO_WEBHOOK_SHARED_KEYS: `${KEY_ID}=${SECRET}` },
    });
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    const seed = (n: number) =>
      emulator.addMessage({
        media: [{ contentType: 'image/jpeg', body: makeMediaBody(1_000 + n, n) }],
      });
    signed = [
      { algorithm: 'HMAC_SHA256', message: seed(1) },
      { algorithm: 'HMAC_SHA1', message: seed(2) },
    ];
    wronglySigned = seed(3);

    // Act
    answers = [];
    for (const { algorithm, message } of signed) {
      answers.push(await post(message, algorithm, SECRET));
    }
    answers.push(await post(wronglySigned, 'HMAC_SHA256', emulator.authToken));
    await waitFor(
      async () =>
        signed.every(({ message }) => message.media.every((m) => !emulator.hasMedia(m.sid))) &&
        (await approximateCount(stack.sqs, stack.queueUrl)) === 0,
      { timeoutMs: 60_000, what: 'the shared-key-signed media archived and the queue drained' },
    );
    archive = await readArchive(stack.s3, stack.bucket);
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('accepts SHA-256 and SHA-1 shared-key signatures and refuses one made with the auth token', () => {
    // Assess
    expect(answers).toEqual([200, 200, 403]);
  });

  it('archives the accepted media, verified, and keeps the refused one at Twilio', () => {
    // Assess
    for (const { message } of signed) {
      const media = message.media[0];
      const object = archive.find((o) => o.key.includes(media?.sid ?? '-'));
      expect(object?.sha256).toBe(media?.sha256);
    }
    const refused = wronglySigned.media[0]?.sid ?? '-';
    expect(archive.some((o) => o.key.includes(refused))).toBe(false);
    expect(stack.emulator?.hasMedia(refused)).toBe(true);
  });
});
