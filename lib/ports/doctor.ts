import type { TwilioCredentials } from '../domain/twilio-credentials.ts';
import type { EventStreamsClientFactory } from './event-streams.ts';
import type { AccountDirectory, ReconcileRunStatus } from './pipeline.ts';

export type { ReconcileRunStatus };

/** What `media-archive doctor` reads of a deployed stack; every port has a fake in the tests. */

export interface DeployedFunction {
  /** The template's logical id, e.g. `WebhookLambdaFunction`. */
  logicalId: string;
  name: string;
  /** Variable names and values; the `*_PARAMETER` ones name SSM parameters, never secrets. */
  environment: Record<string, string>;
}

export interface DeployedStack {
  name: string;
  status: string;
  outputs: Record<string, string>;
  parameters: Record<string, string>;
  functions: DeployedFunction[];
  /** Physical ids of the stack's `AWS::CloudWatch::Alarm` resources (= alarm names). */
  alarmNames: string[];
}

export interface StackReader {
  /** `undefined` when no such stack exists in the region. */
  read(stackName: string): Promise<DeployedStack | undefined>;
}

export interface StoredParameter {
  name: string;
  type: string;
  /** Decrypted; used in memory for the Twilio check, never printed. */
  value: string;
}

export interface ParameterReader {
  /** GetParameters with decryption; `missing` = names SSM does not know. */
  read(names: readonly string[]): Promise<{ found: StoredParameter[]; missing: string[] }>;
}

export interface PhoneNumberConfig {
  sid: string;
  phoneNumber: string;
  smsUrl: string | null;
  smsMethod: string | null;
  /** Set when a TwiML app answers the number's messages: its `sms_url` is then ignored. */
  smsApplicationSid: string | null;
}

export interface MessagingServiceConfig {
  sid: string;
  friendlyName: string;
  inboundRequestUrl: string | null;
  inboundMethod: string | null;
  /** The service defers to each number's own `sms_url`. */
  useInboundWebhookOnNumber: boolean;
}

/** One account's inbound-message settings at Twilio, read with one credential. */
export interface TwilioAccountReader {
  /** One list request (a page of one number): resolves when Twilio accepts the credential. */
  probe(): Promise<void>;
  listPhoneNumbers(): Promise<PhoneNumberConfig[]>;
  listMessagingServices(): Promise<MessagingServiceConfig[]>;
}

export type TwilioAccountReaderFactory = (
  accountSid: string,
  credentials: TwilioCredentials,
) => TwilioAccountReader;

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface QueueInspector {
  depth(queueUrl: string): Promise<QueueDepth>;
}

export interface MetricsReader {
  /** The latest `ApproximateAgeOfOldestMessage` of the queue, in seconds; `undefined` = no data. */
  oldestMessageAgeSeconds(queueName: string): Promise<number | undefined>;
}

export interface AlarmState {
  name: string;
  state: string;
  reason?: string;
  /** What the alarm notifies when it fires (SNS topic ARNs, usually). */
  actions?: string[];
}

export interface TopicSubscriptions {
  confirmed: number;
  pendingConfirmation: number;
}

export interface AlarmTopicReader {
  /** Who a topic would tell: confirmed subscriptions, and those still waiting for a click. */
  subscriptions(topicArn: string): Promise<TopicSubscriptions>;
}

export interface AlarmReader {
  /** The alarms CloudWatch knows among `names`. */
  describe(names: readonly string[]): Promise<AlarmState[]>;
}

export interface ReconcileStatusReader {
  /** `undefined` when no run was ever recorded. */
  read(bucket: string, prefix: string): Promise<ReconcileRunStatus | undefined>;
}

export interface DoctorPorts {
  stack: StackReader;
  parameters: ParameterReader;
  twilio: TwilioAccountReaderFactory;
  /** The main account's subaccounts (TWILIO_SUBACCOUNTS); absent = not checked. */
  accounts?: (accountSid: string, credentials: TwilioCredentials) => AccountDirectory;
  /** Events v1 per account (the Event Streams check); absent = not checked. */
  events?: EventStreamsClientFactory;
  queues: QueueInspector;
  metrics: MetricsReader;
  alarms: AlarmReader;
  alarmTopics: AlarmTopicReader;
  reconcileStatus: ReconcileStatusReader;
}
