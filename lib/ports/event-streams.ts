import type { TwilioCredentials } from '../domain/twilio-credentials.ts';

/** Twilio Event Streams (events v1) as `connect` and `doctor` use it; faked in unit tests. */

export type EventSinkTarget =
  | { kind: 'webhook'; destination: string }
  | { kind: 'kinesis'; arn: string; roleArn: string; externalId: string };

export interface EventSink {
  sid: string;
  status: string;
  description: string;
  /** `undefined` for a sink type this project does not create (segment). */
  target: EventSinkTarget | undefined;
}

export interface SubscribedType {
  type: string;
  schemaVersion: number;
}

export interface EventSubscription {
  sid: string;
  sinkSid: string;
  description: string;
  types: SubscribedType[];
}

/** One account's Event Streams resources, reached with that account's own credential. */
export interface EventStreamsClient {
  listSinks(): Promise<EventSink[]>;
  createSink(description: string, target: EventSinkTarget): Promise<EventSink>;
  /** Asks Twilio to send a test event (the sink becomes `validating`). */
  testSink(sinkSid: string): Promise<void>;
  /** The test event's `test_id` back to Twilio: the sink becomes `active`. */
  validateSink(sinkSid: string, testId: string): Promise<void>;
  /** Every subscription with its subscribed types. */
  listSubscriptions(): Promise<EventSubscription[]>;
  createSubscription(
    description: string,
    sinkSid: string,
    types: readonly SubscribedType[],
  ): Promise<EventSubscription>;
  /** `gone`: Twilio no longer had it (404), which is what a delete wanted. */
  deleteSubscription(subscriptionSid: string): Promise<DeleteOutcome>;
  /** Twilio refuses while a subscription still feeds the sink: delete those first. */
  deleteSink(sinkSid: string): Promise<DeleteOutcome>;
}

export type DeleteOutcome = 'deleted' | 'gone';

export type EventStreamsClientFactory = (
  accountSid: string,
  credentials: TwilioCredentials,
) => EventStreamsClient;

/** Where the deployment's events function left a sink test's `test_id` (its log). */
export interface SinkTestIdReader {
  /** The `test_id` of the account's test received since `since`, or `undefined` in time. */
  waitForTestId(accountSid: string, since: Date): Promise<string | undefined>;
}
