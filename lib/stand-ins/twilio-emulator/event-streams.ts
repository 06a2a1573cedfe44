import { randomSid } from './sids.ts';
import type { MessageRecord } from './store.ts';
import type { CloudEvent, SinkRecord, SubscriptionRecord } from './types.ts';

/** Event Streams (events v1) as the emulator keeps it: sinks and subscriptions per account. */

export const INBOUND_RECEIVED = 'com.twilio.messaging.inbound-message.received';
/** Outbound statuses Twilio publishes as `com.twilio.messaging.message.<status>`. */
export const OUTBOUND_EVENT_STATUSES = [
  'queued',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'read',
] as const;
export const TEST_EVENT_TYPE = 'com.twilio.eventstreams.test-event';

/** The event types a subscription may name here; anything else is refused, not silently kept. */
export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set([
  INBOUND_RECEIVED,
  ...OUTBOUND_EVENT_STATUSES.map((status) => `com.twilio.messaging.message.${status}`),
]);

/** Events v1 dates: ISO 8601 to the second, like the OpenAPI examples ("2015-07-30T20:00:00Z"). */
export const isoSeconds = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

export const sinkJson = (baseUrl: string, sink: SinkRecord) => {
  const url = `${baseUrl}/v1/Sinks/${sink.sid}`;
  return {
    status: sink.status,
    sink_configuration: sink.configuration,
    description: sink.description,
    sid: sink.sid,
    date_created: isoSeconds(sink.dateCreated),
    sink_type: sink.sinkType,
    date_updated: isoSeconds(sink.dateUpdated),
    url,
    links: { sink_test: `${url}/Test`, sink_validate: `${url}/Validate` },
  };
};

export const subscriptionJson = (baseUrl: string, subscription: SubscriptionRecord) => {
  const url = `${baseUrl}/v1/Subscriptions/${subscription.sid}`;
  return {
    account_sid: subscription.accountSid,
    date_created: isoSeconds(subscription.dateCreated),
    date_updated: isoSeconds(subscription.dateUpdated),
    sid: subscription.sid,
    sink_sid: subscription.sinkSid,
    description: subscription.description,
    url,
    links: { subscribed_events: `${url}/SubscribedEvents` },
    receive_events_from_subaccounts: false,
  };
};

export const subscribedEventJson = (
  baseUrl: string,
  subscription: SubscriptionRecord,
  entry: { type: string; schemaVersion: number },
) => ({
  account_sid: subscription.accountSid,
  type: entry.type,
  schema_version: entry.schemaVersion,
  subscription_sid: subscription.sid,
  url: `${baseUrl}/v1/Subscriptions/${subscription.sid}/SubscribedEvents/${entry.type}`,
});

const envelope = (
  type: string,
  source: string,
  dataschema: string,
  at: Date,
  data: Record<string, unknown>,
): CloudEvent => ({
  specversion: '1.0',
  type,
  source,
  id: randomSid('EZ'),
  dataschema,
  datacontenttype: 'application/json',
  time: at.toISOString(),
  data,
});

const messageSource = (message: MessageRecord) =>
  `/2010-04-01/Accounts/${message.accountSid}/Messages/${message.sid}.json`;

/** Messaging.InboundMessageV1: a media count, never media SIDs or URLs. */
export const inboundReceivedEvent = (message: MessageRecord, at: Date): CloudEvent =>
  envelope(
    INBOUND_RECEIVED,
    messageSource(message),
    'https://events-schemas.twilio.com/Messaging.InboundMessageV1/6',
    at,
    {
      messageSid: message.sid,
      timestamp: at.toISOString(),
      accountSid: message.accountSid,
      eventName: INBOUND_RECEIVED,
      from: message.from,
      to: message.to,
      numMedia: message.media.length,
      numSegments: 1,
      body: message.body,
    },
  );

/** Messaging.MessageStatus: the status in capitals, no media count at all. */
export const outboundStatusEvent = (message: MessageRecord, at: Date): CloudEvent => {
  const type = `com.twilio.messaging.message.${message.status}`;
  return envelope(
    type,
    messageSource(message),
    'https://events-schemas.twilio.com/Messaging.MessageStatus/8',
    at,
    {
      messageSid: message.sid,
      timestamp: at.toISOString(),
      accountSid: message.accountSid,
      eventName: type,
      apiVersion: '2010-04-01',
      from: message.from,
      to: message.to,
      messageStatus: message.status.toUpperCase(),
      body: message.body,
      numberOfSegments: 1,
      dateUpdated: message.dateUpdated.toISOString(),
    },
  );
};

/** The sink test as the Event Streams quickstarts show it: its id is the account SID. */
export const testEvent = (sink: SinkRecord, testId: string, at: Date): CloudEvent => ({
  specversion: '1.0',
  type: TEST_EVENT_TYPE,
  source: 'Sink',
  id: sink.accountSid,
  dataschema: 'https://events-schemas.twilio.com/EventStreams.TestSink/1.json',
  datacontenttype: 'application/json',
  time: at.toISOString(),
  data: { test_id: testId },
});

/** The event a message's current state publishes, if any. */
export const eventForMessage = (message: MessageRecord, at: Date): CloudEvent | undefined => {
  if (message.direction === 'inbound') {
    return message.status === 'received' ? inboundReceivedEvent(message, at) : undefined;
  }
  return (OUTBOUND_EVENT_STATUSES as readonly string[]).includes(message.status)
    ? outboundStatusEvent(message, at)
    : undefined;
};
