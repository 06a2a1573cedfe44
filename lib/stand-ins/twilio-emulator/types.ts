export interface FaultProfile {
  /** 0..1: answer 429 {code: 20429} (+ Retry-After: 1) instead of processing (API and CDN). */
  throttleRate: number;
  /** 0..1: answer 500/503 with a Twilio-shaped JSON error. */
  serverErrorRate: number;
  /** 0..1: destroy the socket without answering. */
  resetRate: number;
  /** 0..1 (CDN content only): full Content-Length header, then part of the body, then destroy. */
  truncateRate: number;
  /** A media answers 404 (code 20404) on the API for this long after it was seeded. */
  transientNotFoundMs: number;
  /**
   * Twilio's per-account concurrency limit: an API request arriving while this many of the same
   * account's are in flight answers 429 {code: 20429} (+ Retry-After: 1). 0 or absent: no limit.
   */
  concurrencyLimit?: number;
  /**
   * A media DELETE within this long of the message's arrival is refused with 20009, as Twilio
   * refuses a delete right after a message arrives (default 0: off).
   */
  deleteRefusedForMs?: number;
  /** 0..1 (Event Streams): a delivery to a sink is sent a second time. */
  eventDuplicateRate?: number;
  /** 0..1 (Event Streams): a delivery is held back until the sink's next one has gone. */
  eventReorderRate?: number;
}

export interface LatencyProfile {
  apiMs: number;
  cdnFirstByteMs: number;
}

export interface SeedMedia {
  contentType: string;
  body: Buffer;
  filename?: string;
  sid?: string;
}

export interface SeedMessage {
  /** Default: generated MM + 32 hex. */
  sid?: string;
  /** A subaccount's SID (seeded with `subaccounts`/`addSubaccount`); default the main account. */
  accountSid?: string;
  direction?: 'inbound' | 'outbound-api';
  /** Default 'received' (inbound) / 'delivered'; 'sending'/'queued'… = in flight → media DELETE gets 20009. */
  status?: string;
  /** Default now. */
  dateCreated?: Date;
  /** Default `dateCreated`; `null` = never sent (failed, canceled, scheduled): `date_sent` null. */
  dateSent?: Date | null;
  from?: string;
  to?: string;
  body?: string;
  media?: SeedMedia[];
}

/** An IncomingPhoneNumber as `media-archive doctor` reads it (2010 API). */
export interface SeedPhoneNumber {
  /** Default: generated PN + 32 hex. */
  sid?: string;
  /** Default: +1500555 + 4 digits. */
  phoneNumber?: string;
  /** A subaccount's SID: the number is listed at that account's path only; default the main account. */
  accountSid?: string;
  smsUrl?: string | null;
  /** Default 'POST'. */
  smsMethod?: string;
  smsApplicationSid?: string | null;
}

/** A Messaging Service (messaging v1). */
export interface SeedMessagingService {
  /** Default: generated MG + 32 hex. */
  sid?: string;
  friendlyName?: string;
  inboundRequestUrl?: string | null;
  /** Default 'POST'. */
  inboundMethod?: string;
  useInboundWebhookOnNumber?: boolean;
}

export interface SeededMedia {
  sid: string;
  messageSid: string;
  contentType: string;
  size: number;
  sha256: string;
  /** REST path without host. */
  path: string;
  /** Full API URL, as sent in MediaUrlN. */
  url: string;
}

export interface SeededMessage {
  sid: string;
  media: SeededMedia[];
}

/** A subaccount of the emulated main account (Accounts.json, Accounts/{AC}.json). */
export interface SeedSubaccount {
  /** Default: generated AC + 32 hex. */
  sid?: string;
  /** Default: random; signs the subaccount's webhooks and authenticates on its own paths only. */
  authToken?: string;
  /** Default 'active'. */
  status?: 'active' | 'suspended' | 'closed';
  friendlyName?: string;
  /** Default now; `dateUpdated` defaults to it (a closed account's deletion counts from it). */
  dateCreated?: Date;
  dateUpdated?: Date;
}

export interface SubaccountRecord {
  sid: string;
  authToken: string;
  status: 'active' | 'suspended' | 'closed';
  friendlyName: string;
  dateCreated: Date;
  dateUpdated: Date;
}

export type FaultKind = 'throttle' | 'server-error' | 'reset' | 'truncate' | 'transient-404';

export interface RequestLogEntry {
  /** Strictly increasing across both origins, assigned when the answer is decided. */
  seq: number;
  at: number;
  origin: 'api' | 'cdn' | 'messaging' | 'events';
  method: string;
  /** Pathname only: CDN query strings carry signatures. */
  path: string;
  hadAuthorization: boolean;
  /** Username of a valid Basic auth (AC… or SK…), never the secret. */
  authorizedAs?: string;
  /** What was answered (0 for a reset). */
  status: number;
  mediaSid?: string;
  fault?: FaultKind;
}

export interface TwilioEmulator {
  apiBaseUrl: string;
  cdnBaseUrl: string;
  /** Messaging v1 (`/v1/Services`), like Twilio's own separate origin. */
  messagingBaseUrl: string;
  /** Events v1 (`/v1/Sinks`, `/v1/Subscriptions`), Twilio's `events.twilio.com`. */
  eventsBaseUrl: string;
  accountSid: string;
  authToken: string;
  apiKey: { sid: string; secret: string };
  addMessage(message: SeedMessage): SeededMessage;
  /** Returns the number's SID. */
  addPhoneNumber(number: SeedPhoneNumber): string;
  /** Returns the service's SID. */
  addMessagingService(service: SeedMessagingService): string;
  /** Media still stored (not deleted). */
  hasMedia(mediaSid: string): boolean;
  setMessageStatus(messageSid: string, status: string): void;
  /** The message's body as Twilio would show it now ('' once redacted). */
  messageBody(messageSid: string): string;
  /** The subaccounts, in creation order. */
  readonly subaccounts: readonly SubaccountRecord[];
  addSubaccount(seed?: SeedSubaccount): SubaccountRecord;
  /** A new primary token (the old one stops working at once, as on Twilio); returns it. */
  rotateSubaccountToken(sid: string): string;
  setSubaccountStatus(sid: string, status: SubaccountRecord['status']): void;
  readonly requests: readonly RequestLogEntry[];
  clearRequests(): void;
  /** Merge; setFaults({ throttleRate: 0, … }) to clear. */
  setFaults(faults: Partial<FaultProfile>): void;
  setLatency(latency: Partial<LatencyProfile>): void;
  /** Event Streams: every sink of every account, in creation order. */
  readonly sinks: readonly SinkRecord[];
  readonly eventSubscriptions: readonly SubscriptionRecord[];
  /** Every attempt to hand events to a sink (retries and duplicates included). */
  readonly eventDeliveries: readonly EventDeliveryEntry[];
  /** Sends deliveries held back by reordering and resolves once none is pending. */
  flushEvents(): Promise<void>;
  /** Deletion time (Date.now()) and seq of the DELETE of a media, if deleted. */
  deletion(mediaSid: string): { at: number; seq: number } | undefined;
  close(): Promise<void>;
}

export interface TwilioEmulatorOptions {
  accountSid?: string;
  authToken?: string;
  apiKey?: { sid: string; secret: string };
  faults?: Partial<FaultProfile>;
  latency?: Partial<LatencyProfile>;
  /** Default 14400 (4 h), like Twilio's signed CDN URLs. */
  cdnUrlTtlSeconds?: number;
  /** Source of fault draws; inject a sequence for deterministic fault tests. */
  random?: () => number;
  apiPort?: number;
  cdnPort?: number;
  messagingPort?: number;
  eventsPort?: number;
  /** Event Streams delivery: attempts (default 5), retry delay (default 250 ms × attempt), timeout (5 s). */
  eventDelivery?: Partial<EventDeliverySettings>;
  /** Where Kinesis sinks' records go (tests wire moto); without it Kinesis sinks cannot be tested. */
  kinesisPublisher?: KinesisPublisher;
  /** Listed by IncomingPhoneNumbers.json, in this order. */
  phoneNumbers?: SeedPhoneNumber[];
  /** Listed by the messaging origin's /v1/Services, in this order. */
  messagingServices?: SeedMessagingService[];
  /** Subaccounts of the main account. */
  subaccounts?: SeedSubaccount[];
  /** The unfiltered Messages list's order (Twilio documents neither); default `date-sent`. */
  messageOrder?: MessageOrder;
}

/**
 * "Most recent first" by `date_sent` (rows without one first, newest created first among them, as
 * a SQL `DESC` puts NULLs) or by `date_created`.
 */
export type MessageOrder = 'date-sent' | 'date-created';
/* Event Streams (events v1) */

export type SinkStatus = 'initialized' | 'validating' | 'active' | 'failed';

export interface WebhookSinkConfiguration {
  destination: string;
  method: 'POST';
  batch_events: boolean;
}

export interface KinesisSinkConfiguration {
  arn: string;
  role_arn: string;
  external_id: string;
}

export type SinkRecord = {
  sid: string;
  accountSid: string;
  description: string;
  status: SinkStatus;
  /** The latest test's id: a newer test replaces it (Twilio: "the most recent test takes precedence"). */
  testId: string | undefined;
  dateCreated: Date;
  dateUpdated: Date;
} & (
  | { sinkType: 'webhook'; configuration: WebhookSinkConfiguration }
  | { sinkType: 'kinesis'; configuration: KinesisSinkConfiguration }
);

export interface SubscriptionRecord {
  sid: string;
  accountSid: string;
  sinkSid: string;
  description: string;
  types: { type: string; schemaVersion: number }[];
  dateCreated: Date;
  dateUpdated: Date;
}

/** One CloudEvent as Twilio's sinks receive it (structured mode, JSON). */
export interface CloudEvent {
  specversion: '1.0';
  type: string;
  source: string;
  id: string;
  dataschema: string;
  datacontenttype: 'application/json';
  time: string;
  data: Record<string, unknown>;
}

/** One attempt to hand events to a sink, as the emulator's delivery log keeps it. */
export interface EventDeliveryEntry {
  at: number;
  sinkSid: string;
  accountSid: string;
  attempt: number;
  /** The sink's HTTP status; 0 = no answer (refused, reset, timed out). Kinesis: 200 or 0. */
  status: number;
  eventIds: string[];
  types: string[];
  /** A fault-injected second copy of a delivery. */
  duplicate: boolean;
  outcome: 'delivered' | 'retrying' | 'dropped';
}

export interface EventDeliverySettings {
  /** Attempts per delivery before it is dropped (Twilio keeps trying for about 4 h). */
  attempts: number;
  /** Wait before retry n: n × this. */
  retryDelayMs: number;
  /** Twilio expects a webhook sink's answer within 5 s. */
  timeoutMs: number;
}

/** Hands a Kinesis sink's records to a stream (tests wire moto); absent = Kinesis is refused. */
export type KinesisPublisher = (
  sink: KinesisSinkConfiguration,
  events: CloudEvent[],
) => Promise<void>;
