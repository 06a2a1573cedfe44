import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../../lib/local/local-stack.ts';
import type { TwilioEmulator } from '../../../lib/stand-ins/twilio-emulator.ts';
import { waitFor } from '../../helpers/local-sqs.ts';
import { readArchive, startTestStack } from '../../helpers/local-stack.ts';
import { makeMediaBody, sha256Hex } from '../../helpers/media-fixtures.ts';
import {
  basicAuthorization,
  type CloudEventJson,
  inboundMessageReceivedEvent,
  outboundMessageStatusEvent,
  signedSinkUrl,
  signSinkRequest,
} from '../../helpers/twilio-cloud-events.ts';

/**
 * A message whose number's webhook points elsewhere: only Event Streams tells the archiver about
 * it. The events go through the local stack's `POST /twilio/events` (the real events handler
 * behind the HTTP API stand-in), the archiver archives from the emulator, and duplicates and
 * reordering leave one object per media.
 */
describe('Event Streams webhook sink, through the local stack', () => {
  let stack: LocalStack & { dataDir: string };
  let emulator: TwilioEmulator;

  beforeAll(async () => {
    stack = await startTestStack();
    if (!stack.emulator) throw new Error('demo mode expected');
    emulator = stack.emulator;
  });
  afterAll(() => stack.close());

  const post = (events: readonly CloudEventJson[], password = stack.eventSink.password) => {
    const body = JSON.stringify(events);
    const url = signedSinkUrl(stack.eventsUrl, body);
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: basicAuthorization(stack.eventSink.username, password),
        'x-twilio-signature': signSinkRequest(url, stack.authToken),
      },
      body,
    });
  };

  const archivedOnce = async (media: readonly { sid: string; sha256: string }[]) => {
    await waitFor(async () => media.every((m) => !emulator.hasMedia(m.sid)), {
      timeoutMs: 60_000,
      what: 'every media archived and deleted at Twilio',
    });
    return readArchive(stack.s3, stack.bucket);
  };

  it('archives inbound media once, however often and in whatever order the events come', async () => {
    // Prepare
    const bodies = [makeMediaBody(3000, 1), makeMediaBody(5000, 2)];
    const message = emulator.addMessage({
      direction: 'inbound',
      media: bodies.map((body) => ({ contentType: 'image/jpeg', body })),
    });
    const event = inboundMessageReceivedEvent({
      accountSid: stack.accountSid,
      messageSid: message.sid,
      numMedia: 2,
    });

    // Act: the same event three times, twice in one batch.
    const answers = [await post([event, event]), await post([event])];
    const archive = await archivedOnce(message.media);
    // A late duplicate after the media are gone enqueues nothing.
    const late = await post([event]);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(await late.json()).toEqual({ events: 1, jobs: 0 });
    const mine = archive.filter((object) => object.key.includes(message.sid));
    expect(mine.map((object) => object.sha256).sort()).toEqual(bodies.map(sha256Hex).sort());
  }, 90_000);

  it('archives outbound media after the final status, never while the message is in flight', async () => {
    // Prepare
    const body = makeMediaBody(4000, 3);
    const message = emulator.addMessage({
      direction: 'outbound-api',
      status: 'sending',
      media: [{ contentType: 'image/png', body }],
    });
    const options = { accountSid: stack.accountSid, messageSid: message.sid };

    // Act: "delivered" arrives before Twilio's resource says so (reordered), then for real.
    const early = await post([outboundMessageStatusEvent('delivered', options)]);
    const sent = await post([outboundMessageStatusEvent('sent', options)]);
    const stillThere = emulator.hasMedia(message.media[0]?.sid ?? '');
    emulator.setMessageStatus(message.sid, 'delivered');
    const final = await post([outboundMessageStatusEvent('delivered', options)]);
    const archive = await archivedOnce(message.media);

    // Assess
    expect(await early.json()).toEqual({ events: 1, jobs: 0 });
    expect(await sent.json()).toEqual({ events: 1, jobs: 0 });
    expect(stillThere).toBe(true);
    expect(await final.json()).toEqual({ events: 1, jobs: 1 });
    const mine = archive.filter((object) => object.key.includes(message.sid));
    expect(mine.map((object) => object.sha256)).toEqual([sha256Hex(body)]);
  }, 90_000);

  it('refuses a wrong sink password with 401 and archives nothing', async () => {
    // Prepare
    const message = emulator.addMessage({
      direction: 'inbound',
      media: [{ contentType: 'image/gif', body: makeMediaBody(100, 4) }],
    });
    const event = inboundMessageReceivedEvent({
      accountSid: stack.accountSid,
      messageSid: message.sid,
    });

    // Act
    const answer = await post([event], 'not-the-password-at-all');

    // Assess
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(emulator.hasMedia(message.media[0]?.sid ?? '')).toBe(true);
  });
});
