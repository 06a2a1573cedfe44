import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../lib/cli/main.ts';
import { writeStackFile } from '../../../lib/config/local-stack-files.ts';
import { LOCAL_COMMANDS } from '../../../lib/local/cli-commands.ts';
import { CUSTOMER_APP_URL, type LocalStack } from '../../../lib/local/local-stack.ts';
import type { TwilioEmulator } from '../../../lib/stand-ins/twilio-emulator.ts';
import { captureStream } from '../../helpers/capture-stdout.ts';
import { waitFor } from '../../helpers/local-sqs.ts';
import { readArchive, startTestStack } from '../../helpers/local-stack.ts';
import { makeMediaBody, sha256Hex } from '../../helpers/media-fixtures.ts';

/**
 * Event mode end to end, driven by Twilio's side: the emulator's number answers another app, the
 * sink and subscription are made by `media-archive connect --local`, and the emulator itself
 * publishes the events (every delivery duplicated) to the stack's `/twilio/events`.
 */
describe('LOCAL_INTAKE=event-streams: archived from the events the emulator delivers', () => {
  let stack: LocalStack & { dataDir: string };
  let emulator: TwilioEmulator;
  let connectOutput: string;

  beforeAll(async () => {
    stack = await startTestStack(
      { emulator: { faults: { eventDuplicateRate: 1 }, eventDelivery: { retryDelayMs: 50 } } },
      { LOCAL_INTAKE: 'event-streams' },
    );
    if (!stack.emulator) throw new Error('demo mode expected');
    emulator = stack.emulator;
    await writeStackFile(stack.dataDir, {
      pid: process.pid,
      webhookUrl: stack.webhookUrl,
      eventsUrl: stack.eventsUrl,
      eventSink: stack.eventSink,
      intake: stack.intake,
      s3Endpoint: stack.s3Endpoint,
      bucket: stack.bucket,
      archivePrefix: stack.archivePrefix,
      accountSid: stack.accountSid,
      emulator: {
        apiBaseUrl: emulator.apiBaseUrl,
        authToken: stack.authToken,
        eventsBaseUrl: emulator.eventsBaseUrl,
      },
    });
    const stdout = captureStream();
    const stderr = captureStream();
    const code = await runCli(['connect', '--local'], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: { LOCAL_DATA_DIR: stack.dataDir },
    });
    connectOutput = `${code} ${stdout.text()}${stderr.text()}`;
  }, 60_000);
  afterAll(() => stack.close());

  const gone = (media: readonly { sid: string }[]) =>
    waitFor(async () => media.every((m) => !emulator.hasMedia(m.sid)), {
      timeoutMs: 60_000,
      what: 'every media archived and deleted at Twilio',
    });

  /** The message record; it may land after the media's DELETE, so it is waited for. */
  const recordOf = async (messageSid: string): Promise<Record<string, unknown>> => {
    const key = await waitFor(
      async () => {
        const listed = await stack.s3.send(
          new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: stack.archivePrefix }),
        );
        return listed.Contents?.map((o) => o.Key ?? '').find(
          (k) => k.includes('/_records/') && k.endsWith(`/${messageSid}.json`),
        );
      },
      { timeoutMs: 30_000, what: `the message record of ${messageSid}` },
    );
    const object = await stack.s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: key }));
    return JSON.parse(await (object.Body?.transformToString() ?? '{}'));
  };

  const deletesOf = (mediaSid: string) =>
    emulator.requests.filter(
      (r) => r.method === 'DELETE' && r.mediaSid === mediaSid && r.status === 204,
    );

  it('connects: the number points at another app, and the account has an active sink subscribed', async () => {
    // Act
    const numbers = await fetch(
      `${emulator.apiBaseUrl}/2010-04-01/Accounts/${emulator.accountSid}/IncomingPhoneNumbers.json`,
      {
        headers: {
          authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
        },
      },
    ).then((r) => r.json() as Promise<{ incoming_phone_numbers: { sms_url: string }[] }>);

    // Assess
    expect(numbers.incoming_phone_numbers.map((n) => n.sms_url)).toEqual([CUSTOMER_APP_URL]);
    expect(connectOutput).toMatch(/^0 /);
    expect(emulator.sinks).toEqual([
      expect.objectContaining({
        accountSid: emulator.accountSid,
        status: 'active',
        sinkType: 'webhook',
      }),
    ]);
    expect(emulator.eventSubscriptions).toHaveLength(1);
    expect(connectOutput).not.toContain(stack.eventSink.password);
  });

  it('archives an inbound message once from its (duplicated) event, deleted at Twilio, recorded inbound', async () => {
    // Prepare
    const bodies = [makeMediaBody(3000, 11), makeMediaBody(6000, 12)];

    // Act
    const message = emulator.addMessage({
      direction: 'inbound',
      media: bodies.map((body) => ({ contentType: 'image/jpeg', body })),
    });
    await emulator.flushEvents();
    await gone(message.media);

    // Assess
    const deliveries = emulator.eventDeliveries.filter((d) =>
      d.types.includes('com.twilio.messaging.inbound-message.received'),
    );
    expect(deliveries.filter((d) => d.outcome === 'delivered').length).toBeGreaterThanOrEqual(2);
    const mine = (await readArchive(stack.s3, stack.bucket)).filter((o) =>
      o.key.includes(message.sid),
    );
    expect(mine.map((o) => o.sha256).sort()).toEqual(bodies.map(sha256Hex).sort());
    for (const media of message.media) expect(deletesOf(media.sid)).toHaveLength(1);
    expect(await recordOf(message.sid)).toMatchObject({ direction: 'inbound' });
  }, 90_000);

  it('archives outbound media only after a final status, with the real direction', async () => {
    // Prepare: in flight, then "sent" (not final)
    const body = makeMediaBody(4000, 13);
    const message = emulator.addMessage({
      direction: 'outbound-api',
      status: 'sending',
      media: [{ contentType: 'image/png', body }],
    });
    const mediaPath = `/Messages/${message.sid}/Media`;

    // Act
    emulator.setMessageStatus(message.sid, 'sent');
    await emulator.flushEvents();
    const touchedWhileInFlight = emulator.requests.filter((r) => r.path.includes(mediaPath));
    emulator.setMessageStatus(message.sid, 'delivered');
    await emulator.flushEvents();
    await gone(message.media);

    // Assess
    const sentDelivered = emulator.eventDeliveries.some(
      (d) => d.types.includes('com.twilio.messaging.message.sent') && d.outcome === 'delivered',
    );
    expect(sentDelivered).toBe(false);
    expect(touchedWhileInFlight).toEqual([]);
    const mine = (await readArchive(stack.s3, stack.bucket)).filter((o) =>
      o.key.includes(message.sid),
    );
    expect(mine.map((o) => o.sha256)).toEqual([sha256Hex(body)]);
    expect(deletesOf(message.media[0]?.sid ?? '')).toHaveLength(1);
    expect(await recordOf(message.sid)).toMatchObject({ direction: 'outbound-api' });
  }, 90_000);

  it('send-test --local in event mode adds the message and sees it archived without posting the webhook', async () => {
    // Prepare
    const stdout = captureStream();
    const stderr = captureStream();
    const before = emulator.eventDeliveries.length;

    // Act
    const code = await runCli(
      ['send-test', '--local', '--timeout', '60'],
      { stdout: stdout.stream, stderr: stderr.stream, env: { LOCAL_DATA_DIR: stack.dataDir } },
      LOCAL_COMMANDS,
    );

    // Assess
    expect({ code, err: stderr.text() }).toEqual({ code: 0, err: '' });
    expect(stdout.text()).toContain('event mode');
    expect(stdout.text()).not.toContain('webhook http');
    expect(stdout.text()).toMatch(/all 3 media archived and deleted at the emulator/);
    expect(emulator.eventDeliveries.length).toBeGreaterThan(before);
  }, 90_000);
});
