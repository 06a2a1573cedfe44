import { rfc2822 } from './representations.ts';
import { randomHex, randomSid } from './sids.ts';
import type { SeedMessagingService, SeedPhoneNumber } from './types.ts';

/** Where an account's inbound messages go: its numbers' sms_url and its Messaging Services. */

export interface PhoneNumberRecord {
  sid: string;
  phoneNumber: string;
  /** `undefined` = the main account's. */
  accountSid: string | undefined;
  smsUrl: string | null;
  smsMethod: string;
  smsApplicationSid: string | null;
  dateCreated: Date;
}

export interface MessagingServiceRecord {
  sid: string;
  friendlyName: string;
  inboundRequestUrl: string | null;
  inboundMethod: string;
  useInboundWebhookOnNumber: boolean;
  dateCreated: Date;
}

const digits = () => String(Number.parseInt(randomHex(4), 16) % 10_000).padStart(4, '0');

export const phoneNumberRecord = (seed: SeedPhoneNumber): PhoneNumberRecord => ({
  sid: seed.sid ?? randomSid('PN'),
  phoneNumber: seed.phoneNumber ?? `+1500555${digits()}`,
  accountSid: seed.accountSid,
  smsUrl: seed.smsUrl ?? null,
  smsMethod: seed.smsMethod ?? 'POST',
  smsApplicationSid: seed.smsApplicationSid ?? null,
  dateCreated: new Date(),
});

export const messagingServiceRecord = (seed: SeedMessagingService): MessagingServiceRecord => ({
  sid: seed.sid ?? randomSid('MG'),
  friendlyName: seed.friendlyName ?? 'Messaging Service',
  inboundRequestUrl: seed.inboundRequestUrl ?? null,
  inboundMethod: seed.inboundMethod ?? 'POST',
  useInboundWebhookOnNumber: seed.useInboundWebhookOnNumber ?? false,
  dateCreated: new Date(),
});

export const phoneNumberJson = (accountSid: string, n: PhoneNumberRecord) => ({
  account_sid: accountSid,
  api_version: '2010-04-01',
  date_created: rfc2822(n.dateCreated),
  date_updated: rfc2822(n.dateCreated),
  friendly_name: n.phoneNumber,
  phone_number: n.phoneNumber,
  sid: n.sid,
  sms_application_sid: n.smsApplicationSid ?? '',
  sms_fallback_method: 'POST',
  sms_fallback_url: '',
  sms_method: n.smsMethod,
  sms_url: n.smsUrl ?? '',
  uri: `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${n.sid}.json`,
});

export const messagingServiceJson = (
  accountSid: string,
  baseUrl: string,
  s: MessagingServiceRecord,
) => ({
  account_sid: accountSid,
  sid: s.sid,
  friendly_name: s.friendlyName,
  date_created: s.dateCreated.toISOString(),
  date_updated: s.dateCreated.toISOString(),
  inbound_request_url: s.inboundRequestUrl,
  inbound_method: s.inboundMethod,
  fallback_url: null,
  fallback_method: 'POST',
  status_callback: null,
  use_inbound_webhook_on_number: s.useInboundWebhookOnNumber,
  url: `${baseUrl}/v1/Services/${s.sid}`,
});
