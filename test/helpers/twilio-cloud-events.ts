import type { APIGatewayProxyEventV2, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import twilio from 'twilio';
import {
  INBOUND_RECEIVED,
  type OutboundFinalType,
  SINK_TEST_EVENT,
} from '../../lib/domain/twilio-cloud-event.ts';
import { bodySha256Hex } from '../../lib/domain/twilio-signature.ts';
import { apiGatewayV2Event } from './api-gateway-event.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_MESSAGE_SID } from './twilio-webhook.ts';

/**
 * Twilio Event Streams CloudEvents as Twilio documents them (twilio.com/docs/events/event-types/
 * messaging/inbound-message and …/outbound-message, schema versions 6 and 8; the sink test event
 * of the Event Streams quickstarts). The emulator delivers these shapes; the events handler parses
 * them. `datacontenttype` is `application/json` on the wire (the docs' examples show a timestamp
 * there by mistake).
 */

export type OutboundStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read';

export interface CloudEventJson {
  specversion: '1.0';
  type: string;
  source: string;
  id: string;
  dataschema: string;
  datacontenttype: 'application/json';
  time: string;
  data: Record<string, unknown>;
}

let counter = 0;
/** Event ids are `EZ` + 32 hex digits for messaging events. */
export const testEventId = (n = ++counter): string => `EZ${n.toString(16).padStart(32, '0')}`;

export interface InboundEventOptions {
  accountSid?: string;
  messageSid?: string;
  numMedia?: number;
  from?: string;
  to?: string;
  body?: string;
  messagingServiceSid?: string;
  /** ISO time of the event (and `data.timestamp`). */
  time?: string;
  id?: string;
}

export const inboundMessageReceivedEvent = (options: InboundEventOptions = {}): CloudEventJson => {
  const time = options.time ?? '2026-12-08T01:00:00.000Z';
  const data: Record<string, unknown> = {
    messageSid: options.messageSid ?? TEST_MESSAGE_SID,
    timestamp: time,
    accountSid: options.accountSid ?? TEST_ACCOUNT_SID,
    eventName: INBOUND_RECEIVED,
    from: options.from ?? '+15005550006',
    to: options.to ?? '+15005550001',
    numMedia: options.numMedia ?? 1,
    body: options.body ?? 'Ahoy!',
    toCountry: 'US',
    toState: 'CA',
    fromCountry: 'US',
    fromState: 'NY',
    mnc: '090',
    mcc: '310',
  };
  if (options.messagingServiceSid) data.messagingServiceSid = options.messagingServiceSid;
  return {
    specversion: '1.0',
    type: INBOUND_RECEIVED,
    source: `/2010-04-01/Accounts/${data.accountSid}/Messages/${data.messageSid}.json`,
    id: options.id ?? testEventId(),
    dataschema: 'https://events-schemas.twilio.com/Messaging.InboundMessageV1/6',
    datacontenttype: 'application/json',
    time,
    data,
  };
};

export interface OutboundEventOptions {
  accountSid?: string;
  messageSid?: string;
  from?: string;
  to?: string;
  body?: string;
  messagingServiceSid?: string;
  errorCode?: number;
  numberOfSegments?: number;
  time?: string;
  id?: string;
}

/** `com.twilio.messaging.message.{status}` for an outbound message. */
export const outboundMessageStatusEvent = (
  status: OutboundStatus,
  options: OutboundEventOptions = {},
): CloudEventJson => {
  const time = options.time ?? '2026-12-08T01:00:05.000Z';
  const type = `com.twilio.messaging.message.${status}`;
  const data: Record<string, unknown> = {
    messageSid: options.messageSid ?? TEST_MESSAGE_SID,
    timestamp: time,
    accountSid: options.accountSid ?? TEST_ACCOUNT_SID,
    eventName: type,
    apiVersion: '2010-04-01',
    from: options.from ?? '+15005550001',
    to: options.to ?? '+15005550006',
    messageStatus: status.toUpperCase(),
    body: options.body ?? 'Your photo',
    numberOfSegments: options.numberOfSegments ?? 1,
  };
  if (options.messagingServiceSid) data.messagingServiceSid = options.messagingServiceSid;
  if (options.errorCode !== undefined) data.errorCode = options.errorCode;
  return {
    specversion: '1.0',
    type,
    source: `/2010-04-01/Accounts/${data.accountSid}/Messages/${data.messageSid}.json`,
    id: options.id ?? testEventId(),
    dataschema: 'https://events-schemas.twilio.com/Messaging.MessageStatus/8',
    datacontenttype: 'application/json',
    time,
    data,
  };
};

/** Shorthand: the final statuses the archiver acts on. */
export const outboundFinalEvent = (
  type: OutboundFinalType,
  options: OutboundEventOptions = {},
): CloudEventJson =>
  outboundMessageStatusEvent(type.slice(type.lastIndexOf('.') + 1) as OutboundStatus, options);

/** What `POST /v1/Sinks/{DG}/Test` delivers: its id is the account SID, `data.test_id` a UUID. */
export const sinkTestEvent = (
  options: { accountSid?: string; testId?: string; time?: string } = {},
): CloudEventJson => ({
  specversion: '1.0',
  type: SINK_TEST_EVENT,
  source: 'Sink',
  id: options.accountSid ?? TEST_ACCOUNT_SID,
  dataschema: 'https://events-schemas.twilio.com/EventStreams.TestSink/1.json',
  datacontenttype: 'application/json',
  time: options.time ?? '2026-12-08T01:00:00.000Z',
  data: { test_id: options.testId ?? 'cae2f9e2-c277-4612-8ad3-93c1a7a3ef88' },
});

export const TEST_SINK_USERNAME = 'twilio';
export const TEST_SINK_PASSWORD = 'sink-password-0123456789abcdef';
export const TEST_EVENTS_URL = 'https://example.execute-api.us-east-1.amazonaws.com/twilio/events';

/** The URL Twilio requests for a JSON body: the sink URL plus `bodySHA256` (hex). */
export const signedSinkUrl = (url: string, body: string): string => {
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}bodySHA256=${bodySha256Hex(body)}`;
};

/** X-Twilio-Signature of a JSON-bodied request, computed by Twilio's own library. */
export const signSinkRequest = (requestUrl: string, authToken: string): string =>
  twilio.getExpectedTwilioSignature(authToken, requestUrl, {});

export const basicAuthorization = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

export interface SinkRequestOptions {
  events?: readonly unknown[];
  /** Raw body instead of `events`. */
  body?: string;
  url?: string;
  username?: string;
  password?: string;
  /** `null`: no Authorization header. */
  authorization?: string | null;
  authToken?: string;
  /** `null`: no X-Twilio-Signature; a string: that value. */
  signature?: string | null;
  method?: string;
  base64?: boolean;
}

/** A webhook-sink POST as Twilio sends it through an API Gateway HTTP API. */
export const eventSinkRequest = (options: SinkRequestOptions = {}): APIGatewayProxyEventV2 => {
  const body = options.body ?? JSON.stringify(options.events ?? [inboundMessageReceivedEvent()]);
  const url = signedSinkUrl(options.url ?? TEST_EVENTS_URL, body);
  const authorization =
    options.authorization === undefined
      ? basicAuthorization(
          options.username ?? TEST_SINK_USERNAME,
          options.password ?? TEST_SINK_PASSWORD,
        )
      : options.authorization;
  const signature =
    options.signature === undefined
      ? signSinkRequest(url, options.authToken ?? TEST_AUTH_TOKEN)
      : options.signature;
  return apiGatewayV2Event({
    url,
    method: options.method ?? 'POST',
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Twilio-EventStreams/1.0',
      ...(authorization === null ? {} : { authorization }),
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    },
  });
};

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:123456789012:stream/twilio-events';

/** One Kinesis record whose data is `payload` (an event, an array, or raw text). */
export const kinesisRecord = (
  payload: unknown,
  options: { sequenceNumber?: string; partitionKey?: string } = {},
): KinesisStreamRecord => {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const sequenceNumber = options.sequenceNumber ?? String(49_000_000_000n + BigInt(++counter));
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: options.partitionKey ?? TEST_MESSAGE_SID,
      sequenceNumber,
      data: Buffer.from(text).toString('base64'),
      approximateArrivalTimestamp: 1_765_155_600,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/events-function',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
  };
};

/** A Lambda Kinesis event from records (see `kinesisRecord`). */
export const kinesisEvent = (records: readonly KinesisStreamRecord[]): KinesisStreamEvent => ({
  Records: [...records],
});
