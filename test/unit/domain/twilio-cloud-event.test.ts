import { describe, expect, it } from 'vitest';
import {
  InvalidEventError,
  intentOf,
  parseEventArray,
  parseEventRecord,
  toCloudEvent,
} from '../../../lib/domain/twilio-cloud-event.ts';
import { bodySha256Hex, isValidTwilioJsonSignature } from '../../../lib/domain/twilio-signature.ts';
import {
  inboundMessageReceivedEvent,
  outboundFinalEvent,
  outboundMessageStatusEvent,
  signedSinkUrl,
  signSinkRequest,
  sinkTestEvent,
} from '../../helpers/twilio-cloud-events.ts';
import {
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TEST_MESSAGE_SID,
} from '../../helpers/twilio-webhook.ts';

describe('intentOf', () => {
  it('reads an inbound message event with its media count', () => {
    // Prepare
    const event = toCloudEvent(inboundMessageReceivedEvent({ numMedia: 3, id: 'EZ1' }));
    // Act
    const intent = intentOf(event);
    // Assess
    expect(intent).toEqual({
      kind: 'inbound',
      eventId: 'EZ1',
      accountSid: TEST_ACCOUNT_SID,
      messageSid: TEST_MESSAGE_SID,
      numMedia: 3,
    });
  });

  it.each(['delivered', 'undelivered', 'failed', 'read'] as const)(
    'reads the final outbound status %s',
    (status) => {
      const event = toCloudEvent(outboundMessageStatusEvent(status));
      expect(intentOf(event)).toMatchObject({ kind: 'outbound-final', status });
    },
  );

  it.each(['queued', 'sent'] as const)('ignores the in-flight status %s', (status) => {
    const event = toCloudEvent(outboundMessageStatusEvent(status));
    expect(intentOf(event)).toMatchObject({ kind: 'ignored', reason: 'message not final yet' });
  });

  it('ignores event types it does not archive', () => {
    const raw = {
      ...inboundMessageReceivedEvent(),
      type: 'com.twilio.voice.insights.call-summary.complete',
    };
    expect(intentOf(toCloudEvent(raw))).toMatchObject({ kind: 'ignored' });
  });

  it('reads the sink test event and its test_id', () => {
    const intent = intentOf(toCloudEvent(sinkTestEvent({ testId: 'abc-1' })));
    expect(intent).toMatchObject({ kind: 'sink-test', testId: 'abc-1' });
  });

  it('refuses a message event without usable SIDs or media count', () => {
    const noSid = inboundMessageReceivedEvent();
    noSid.data.messageSid = 'SM-nope';
    const noCount = inboundMessageReceivedEvent();
    noCount.data.numMedia = -1;
    const badAccount = outboundFinalEvent('com.twilio.messaging.message.delivered');
    badAccount.data.accountSid = 'AC1';
    for (const raw of [noSid, noCount, badAccount]) {
      expect(() => intentOf(toCloudEvent(raw))).toThrow(InvalidEventError);
    }
  });

  it('accepts a media count sent as digits', () => {
    const raw = inboundMessageReceivedEvent();
    raw.data.numMedia = '2';
    expect(intentOf(toCloudEvent(raw))).toMatchObject({ numMedia: 2 });
  });
});

describe('toCloudEvent', () => {
  it.each([
    ['not an object', 'x'],
    ['an array', []],
    ['another spec version', { ...inboundMessageReceivedEvent(), specversion: '0.3' }],
    ['no id', { ...inboundMessageReceivedEvent(), id: '' }],
    ['no type', { ...inboundMessageReceivedEvent(), type: 7 }],
    ['no data', { ...inboundMessageReceivedEvent(), data: 'x' }],
  ])('refuses %s', (_name, raw) => {
    expect(() => toCloudEvent(raw)).toThrow(InvalidEventError);
  });
});

describe('parseEventArray / parseEventRecord', () => {
  it('takes a webhook body only as a JSON array', () => {
    expect(parseEventArray('[]')).toEqual([]);
    expect(() => parseEventArray('{"a":1}')).toThrow(InvalidEventError);
    expect(() => parseEventArray('nope')).toThrow(InvalidEventError);
  });

  it('takes a Kinesis record as one event or an array', () => {
    const event = inboundMessageReceivedEvent();
    expect(parseEventRecord(JSON.stringify(event))).toEqual([event]);
    expect(parseEventRecord(JSON.stringify([event, event]))).toHaveLength(2);
    expect(() => parseEventRecord('{')).toThrow(InvalidEventError);
  });
});

describe('isValidTwilioJsonSignature', () => {
  const body = JSON.stringify([inboundMessageReceivedEvent()]);
  const url = signedSinkUrl('https://h.example/twilio/events', body);

  it("accepts what Twilio's library signs", () => {
    const signature = signSinkRequest(url, TEST_AUTH_TOKEN);
    expect(
      isValidTwilioJsonSignature({ authTokens: [TEST_AUTH_TOKEN], url, body, signature }),
    ).toBe(true);
  });

  it('refuses a body whose hash is not the one signed', () => {
    const signature = signSinkRequest(url, TEST_AUTH_TOKEN);
    const tampered = body.replace('Ahoy', 'Ahoj');
    expect(
      isValidTwilioJsonSignature({ authTokens: [TEST_AUTH_TOKEN], url, body: tampered, signature }),
    ).toBe(false);
  });

  it('refuses another token, no signature and a URL without bodySHA256', () => {
    const signature = signSinkRequest(url, TEST_AUTH_TOKEN);
    const bare = 'https://h.example/twilio/events';
    expect(isValidTwilioJsonSignature({ authTokens: ['x'.repeat(32)], url, body, signature })).toBe(
      false,
    );
    expect(
      isValidTwilioJsonSignature({
        authTokens: [TEST_AUTH_TOKEN],
        url,
        body,
        signature: undefined,
      }),
    ).toBe(false);
    expect(
      isValidTwilioJsonSignature({
        authTokens: [TEST_AUTH_TOKEN],
        url: bare,
        body,
        signature: signSinkRequest(bare, TEST_AUTH_TOKEN),
      }),
    ).toBe(false);
    expect(bodySha256Hex('')).toMatch(/^e3b0c442/);
  });
});
