import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeTwilioSignature } from '../../../lib/domain/twilio-signature.ts';
import { randomSid, type SeededMessage } from '../../../lib/stand-ins/twilio-emulator.ts';
import { incomingMessageFields } from '../../../lib/stand-ins/webhook-client.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { approximateCount } from '../../helpers/local-sqs.ts';
import { startTestStack } from '../../helpers/local-stack.ts';
import { makeSeedMedia } from '../../helpers/media-fixtures.ts';
import { type AuditSummary, attachS3AckLog, auditArchive, waitUntilSettled } from './audit.ts';
import { startCatchAllServer } from './catch-all-server.ts';
import { withFastTwilioRetries } from './fault-injector.ts';

const AUTH_TOKEN = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
const API_KEY = { sid: `SK${'7'.repeat(32)}`, secret: 'f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5' };
const FROM = '+14155550123';
const TO = '+14155550987';
const BODY = 'my-secret-message-body-3141592653';

/**
 * One full run (signed and forged webhooks, archiving with Twilio faults) with every log line
 * captured: credentials go only to the configured Twilio API origin, forged media URLs are never
 * fetched, and no secret or personal data reaches a log line.
 */
describe('credentials and logs across a full run', () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let catchAll: Awaited<ReturnType<typeof startCatchAllServer>>;
  let output: ReturnType<typeof captureOutput>;
  let audit: AuditSummary;
  let legit: SeededMessage[];
  const answers: Record<string, number> = {};
  const signatures: string[] = [];

  const post = async (name: string, fields: Record<string, string>, token = AUTH_TOKEN) => {
    const signature = computeTwilioSignature(token, stack.webhookUrl, fields);
    signatures.push(signature);
    const response = await fetch(stack.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
      },
      body: new URLSearchParams(fields).toString(),
    });
    await response.text();
    answers[name] = response.status;
  };

  const fieldsOf = (message: SeededMessage) =>
    incomingMessageFields({
      accountSid: stack.accountSid,
      message,
      from: FROM,
      to: TO,
      body: BODY,
    });

  beforeAll(async () => {
    // Prepare
    output = captureOutput();
    catchAll = await startCatchAllServer();
    stack = await startTestStack(
      {
        emulator: {
          authToken: AUTH_TOKEN,
          apiKey: API_KEY,
          faults: { throttleRate: 0.2, serverErrorRate: 0.1, resetRate: 0.02, truncateRate: 0.02 },
        },
        decorateArchiverDeps: withFastTwilioRetries,
        lambdaEnv: {
          TWILIO_API_KEY_SID: API_KEY.sid,
          TWILIO_API_KEY_SECRET: API_KEY.secret,
          ARCHIVE_ADDRESSES: 'true',
        },
      },
      { LOCAL_VISIBILITY_TIMEOUT: '1' },
    );
    const emulator = stack.emulator;
    if (!emulator) throw new Error('demo mode expected');
    const acks = attachS3AckLog(stack.s3);
    legit = [1, 2, 3].map((n) =>
      emulator.addMessage({
        direction: 'inbound',
        from: FROM,
        to: TO,
        body: BODY,
        media: [makeSeedMedia({ seed: n, size: 30_000 }), makeSeedMedia({ seed: n + 50 })],
      }),
    );
    const forgedHost = emulator.addMessage({
      direction: 'inbound',
      media: [makeSeedMedia({ seed: 99 })],
    });
    const [first] = legit as [SeededMessage];
    const catchAllUrl = (path: string) => `${catchAll.baseUrl}${path}`;

    // Act
    for (const [n, message] of legit.entries()) await post(`legit ${n}`, fieldsOf(message));
    // The right path of our own media, but on another host: only the SIDs are kept.
    const forged = fieldsOf(forgedHost);
    forged.MediaUrl0 = catchAllUrl(forgedHost.media[0]?.path ?? '');
    await post('forged host', forged);
    // Another account, and paths outside the Media resource, on the catch-all host.
    const otherAccount = fieldsOf(first);
    otherAccount.MediaUrl0 = catchAllUrl(
      (first.media[0]?.path ?? '').replace(stack.accountSid, randomSid('AC')),
    );
    await post('another account', otherAccount);
    for (const [n, suffix] of ['/../../../Messages.json', '%2F..%2F..', '.json'].entries()) {
      const outside = fieldsOf(first);
      outside.MediaUrl0 = catchAllUrl(`${first.media[0]?.path ?? ''}${suffix}`);
      await post(`outside ${n}`, outside);
    }
    await post('bad signature', fieldsOf(first), 'not-the-token');
    const media = [...legit.flatMap((m) => m.media), ...forgedHost.media];
    await waitUntilSettled(stack, () => media.every((m) => !emulator.hasMedia(m.sid)), {
      what: 'every accepted media archived under faults',
    });
    audit = await auditArchive(stack, media, acks);
  });

  afterAll(async () => {
    await stack?.close();
    await catchAll?.close();
    output?.restore();
  });

  it('accepts the signed webhooks and refuses the forged ones with a 4xx', () => {
    // Assess
    expect(answers).toEqual({
      'legit 0': 200,
      'legit 1': 200,
      'legit 2': 200,
      'forged host': 200,
      'another account': 400,
      'outside 0': 400,
      'outside 1': 400,
      'outside 2': 400,
      'bad signature': 403,
    });
  });

  it('archives every accepted media once, under faults, deleting only after the PUT', async () => {
    // Assess
    expect(audit.archived).toBe(audit.expected);
    expect(audit.duplicates + audit.strays).toBe(0);
    expect(audit.deletesBeforeVerified).toBe(0);
    expect(audit.deleted).toBe(audit.expected);
    expect(await approximateCount(stack.sqs, stack.deadLetterQueueUrl)).toBe(0);
    expect(stack.emulator?.requests.some((r) => r.fault !== undefined)).toBe(true);
  });

  it('never fetches a forged media URL: the catch-all server saw no request at all', () => {
    // Assess
    expect(catchAll.caught).toEqual([]);
  });

  it('sends credentials to the configured Twilio API origin only, and only valid ones', () => {
    // Assess
    const requests = stack.emulator?.requests ?? [];
    const credentialed = requests.filter((r) => r.hadAuthorization);
    expect(credentialed.length).toBeGreaterThan(0);
    expect(credentialed.every((r) => r.origin === 'api')).toBe(true);
    expect(requests.filter((r) => r.origin === 'cdn' && r.hadAuthorization)).toEqual([]);
    expect(new Set(credentialed.map((r) => r.authorizedAs))).toEqual(new Set([API_KEY.sid]));
  });

  it('logs neither the auth token, the API secret, a From/To number, the body nor a signature', () => {
    // Assess
    const text = output.text();
    expect(text).toContain('media archived');
    for (const secret of [AUTH_TOKEN, API_KEY.secret, BODY, FROM, TO, ...signatures]) {
      expect(text).not.toContain(secret);
    }
    for (const number of [FROM, TO]) {
      expect(text).not.toContain(number.slice(1));
      expect(text).not.toContain(encodeURIComponent(number));
    }
    expect(text).not.toContain(Buffer.from(`${API_KEY.sid}:${API_KEY.secret}`).toString('base64'));
  });
});
