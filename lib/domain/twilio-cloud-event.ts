import { PermanentError } from './errors.ts';
import { isAccountSid, isMessageSid } from './sids.ts';

/**
 * Twilio Event Streams delivers CloudEvents 1.0 (a JSON array per webhook-sink request, one event
 * per Kinesis record). Only the messaging events that can announce media matter here; the events
 * carry a media count, never media SIDs, so the media are listed at Twilio afterwards.
 */

export const INBOUND_RECEIVED = 'com.twilio.messaging.inbound-message.received';
/** Outbound statuses after which the message no longer changes and its media can be deleted. */
export const OUTBOUND_FINAL_TYPES = [
  'com.twilio.messaging.message.delivered',
  'com.twilio.messaging.message.undelivered',
  'com.twilio.messaging.message.failed',
  'com.twilio.messaging.message.read',
] as const;
/** Outbound statuses still in flight: Twilio refuses to delete their media (20009). */
export const OUTBOUND_IN_FLIGHT_TYPES = [
  'com.twilio.messaging.message.queued',
  'com.twilio.messaging.message.sent',
] as const;
/** The event a sink receives from `POST /v1/Sinks/{DG}/Test`; its `test_id` validates the sink. */
export const SINK_TEST_EVENT = 'com.twilio.eventstreams.test-event';

/** What `media-archive connect` subscribes to, with the schema versions Twilio documents. */
export const SUBSCRIBED_EVENT_TYPES: readonly { type: string; schemaVersion: number }[] = [
  { type: INBOUND_RECEIVED, schemaVersion: 6 },
  ...OUTBOUND_FINAL_TYPES.map((type) => ({ type, schemaVersion: 8 })),
];

export type OutboundFinalType = (typeof OUTBOUND_FINAL_TYPES)[number];
export const isOutboundFinalType = (type: string): type is OutboundFinalType =>
  OUTBOUND_FINAL_TYPES.includes(type as OutboundFinalType);

/** A CloudEvent as Twilio sends it, checked only for the envelope fields we rely on. */
export interface TwilioCloudEvent {
  specversion: string;
  id: string;
  type: string;
  source?: string;
  time?: string;
  dataschema?: string;
  data: Record<string, unknown>;
}

/** An event that can never be processed (not JSON, not a CloudEvent, a message event without SIDs). */
export class InvalidEventError extends PermanentError {}

/** What one event asks of the archiver. */
export type EventIntent =
  | {
      kind: 'inbound';
      eventId: string;
      accountSid: string;
      messageSid: string;
      numMedia: number;
    }
  | {
      kind: 'outbound-final';
      eventId: string;
      accountSid: string;
      messageSid: string;
      /** `delivered`, `undelivered`, `failed` or `read`. */
      status: string;
    }
  /** A sink test event: answered 2xx, its `test_id` logged for `connect`'s validation. */
  | { kind: 'sink-test'; eventId: string; testId?: string }
  /** Anything else we were sent: acknowledged, never acted on. */
  | { kind: 'ignored'; eventId: string; type: string; reason: string };

const MAX_ID_CHARS = 200;
const MAX_TYPE_CHARS = 200;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the CloudEvents envelope of one parsed value; `InvalidEventError` when it is not one. */
export const toCloudEvent = (raw: unknown): TwilioCloudEvent => {
  if (!isRecord(raw)) throw new InvalidEventError('event is not a JSON object');
  const { specversion, id, type, data } = raw;
  if (specversion !== '1.0') throw new InvalidEventError('event is not a CloudEvents 1.0 event');
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_CHARS) {
    throw new InvalidEventError('event has no usable id');
  }
  if (typeof type !== 'string' || type === '' || type.length > MAX_TYPE_CHARS) {
    throw new InvalidEventError('event has no usable type');
  }
  if (!isRecord(data)) throw new InvalidEventError('event has no data object');
  const event: TwilioCloudEvent = { specversion, id, type, data };
  if (typeof raw.source === 'string') event.source = raw.source;
  if (typeof raw.time === 'string') event.time = raw.time;
  if (typeof raw.dataschema === 'string') event.dataschema = raw.dataschema;
  return event;
};

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidEventError('body is not JSON');
  }
};

/** A webhook-sink body: a JSON array of CloudEvents (an empty array is a valid, empty batch). */
export const parseEventArray = (text: string): unknown[] => {
  const raw = parseJson(text);
  if (!Array.isArray(raw)) throw new InvalidEventError('body is not a JSON array of events');
  return raw;
};

/** A Kinesis record's data: one CloudEvent, or an array of them. */
export const parseEventRecord = (text: string): unknown[] => {
  const raw = parseJson(text);
  return Array.isArray(raw) ? raw : [raw];
};

/** `numMedia` arrives as a number; a string of digits is accepted as well. */
const mediaCount = (value: unknown): number | undefined => {
  const count = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : value;
  return Number.isInteger(count) && (count as number) >= 0 ? (count as number) : undefined;
};

const sidsOf = (event: TwilioCloudEvent) => {
  const { accountSid, messageSid } = event.data;
  if (!isAccountSid(accountSid)) throw new InvalidEventError(`${event.type}: bad accountSid`);
  if (!isMessageSid(messageSid)) throw new InvalidEventError(`${event.type}: bad messageSid`);
  return { accountSid, messageSid };
};

/**
 * What an event asks for. Unknown types and in-flight outbound statuses are `ignored` (a
 * subscription may carry more than we act on); a message event without usable SIDs or media count
 * throws `InvalidEventError`, since no retry will ever make it readable.
 */
export const intentOf = (event: TwilioCloudEvent): EventIntent => {
  const eventId = event.id;
  if (event.type === INBOUND_RECEIVED) {
    const sids = sidsOf(event);
    const numMedia = mediaCount(event.data.numMedia);
    if (numMedia === undefined) throw new InvalidEventError(`${event.type}: bad numMedia`);
    return { kind: 'inbound', eventId, ...sids, numMedia };
  }
  if (isOutboundFinalType(event.type)) {
    const sids = sidsOf(event);
    const status = event.type.slice(event.type.lastIndexOf('.') + 1);
    return { kind: 'outbound-final', eventId, ...sids, status };
  }
  if (event.type === SINK_TEST_EVENT) {
    const testId = event.data.test_id;
    return typeof testId === 'string' && testId.length <= MAX_ID_CHARS
      ? { kind: 'sink-test', eventId, testId }
      : { kind: 'sink-test', eventId };
  }
  const reason = (OUTBOUND_IN_FLIGHT_TYPES as readonly string[]).includes(event.type)
    ? 'message not final yet'
    : 'event type not archived';
  return { kind: 'ignored', eventId, type: event.type, reason };
};
