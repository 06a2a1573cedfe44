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

/** Every field of `api.v2010.account.incoming_phone_number` (Twilio's spec), unset ones null. */
export const phoneNumberJson = (accountSid: string, n: PhoneNumberRecord) => ({
  account_sid: accountSid,
  address_sid: null,
  address_requirements: 'none',
  api_version: '2010-04-01',
  beta: false,
  capabilities: { fax: false, mms: true, sms: true, voice: true },
  date_created: rfc2822(n.dateCreated),
  date_updated: rfc2822(n.dateCreated),
  friendly_name: n.phoneNumber,
  identity_sid: null,
  phone_number: n.phoneNumber,
  origin: 'twilio',
  sid: n.sid,
  sms_application_sid: n.smsApplicationSid,
  sms_fallback_method: 'POST',
  sms_fallback_url: null,
  sms_method: n.smsMethod,
  sms_url: n.smsUrl,
  status_callback: null,
  status_callback_method: 'POST',
  trunk_sid: null,
  uri: `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${n.sid}.json`,
  voice_receive_mode: 'voice',
  voice_application_sid: null,
  voice_caller_id_lookup: false,
  voice_fallback_method: 'POST',
  voice_fallback_url: null,
  voice_method: 'POST',
  voice_url: null,
  emergency_status: 'Inactive',
  emergency_address_sid: null,
  emergency_address_status: 'unregistered',
  bundle_sid: null,
  status: 'in-use',
  type: 'local',
});

/** Every field of `messaging.v1.service` (Twilio's spec), unset ones null. */
export const messagingServiceJson = (
  accountSid: string,
  baseUrl: string,
  s: MessagingServiceRecord,
) => {
  const url = `${baseUrl}/v1/Services/${s.sid}`;
  return {
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
    sticky_sender: true,
    mms_converter: true,
    smart_encoding: true,
    scan_message_content: 'inherit',
    fallback_to_long_code: false,
    area_code_geomatch: true,
    synchronous_validation: false,
    validity_period: 14_400,
    url,
    links: {
      phone_numbers: `${url}/PhoneNumbers`,
      short_codes: `${url}/ShortCodes`,
      alpha_senders: `${url}/AlphaSenders`,
      us_app_to_person: `${url}/Compliance/Usa2p`,
      us_app_to_person_usecases: `${url}/Compliance/Usa2p/Usecases`,
      channel_senders: `${url}/ChannelSenders`,
    },
    usecase: 'undeclared',
    us_app_to_person_registered: false,
    use_inbound_webhook_on_number: s.useInboundWebhookOnNumber,
  };
};
