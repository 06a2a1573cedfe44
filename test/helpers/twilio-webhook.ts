import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import twilio from 'twilio';
import { apiGatewayV2Event } from './api-gateway-event.ts';

export type FormFields = Record<string, string | string[]>;

export const TEST_ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const TEST_AUTH_TOKEN = '12345678901234567890123456789012';
export const TEST_MESSAGE_SID = 'MM00000000000000000000000000000001';
export const testMediaSid = (n: number): string => `ME${String(n).padStart(32, '0')}`;

/** X-Twilio-Signature as Twilio's own library computes it (the oracle our code is checked against). */
export const signWebhook = (url: string, authToken: string, fields: FormFields): string =>
  twilio.getExpectedTwilioSignature(authToken, url, fields);

/** `application/x-www-form-urlencoded`, repeated names for array values. */
export const encodeForm = (fields: FormFields): string => {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
  }
  return form.toString();
};

export interface SignedWebhookOptions {
  url: string;
  authToken: string;
  fields: FormFields;
  /** Sign this URL instead of `url` (e.g. the public URL while the event shows another). */
  signedUrl?: string;
  /** Override the signature header; `null` omits it. */
  signature?: string | null;
  base64?: boolean;
  method?: string;
  headers?: Record<string, string>;
}

/** A POST the way Twilio sends it to an API Gateway HTTP API, signed with `authToken`. */
export const signedWebhookEvent = (options: SignedWebhookOptions): APIGatewayProxyEventV2 => {
  const body = encodeForm(options.fields);
  const signature =
    options.signature === undefined
      ? signWebhook(options.signedUrl ?? options.url, options.authToken, options.fields)
      : options.signature;
  return apiGatewayV2Event({
    url: options.url,
    method: options.method ?? 'POST',
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
      ...options.headers,
    },
  });
};

export interface MmsFieldsOptions {
  accountSid?: string;
  messageSid?: string;
  media?: { mediaSid: string; contentType: string }[];
  from?: string;
  to?: string;
  body?: string;
  /** Adds WhatsApp's extra fields and `whatsapp:` addresses. */
  whatsapp?: boolean;
  /** Host of the media URLs (Twilio's API by default). */
  apiBaseUrl?: string;
}

/** The fields of a real-shaped incoming MMS (or WhatsApp) webhook. */
export const buildMmsFields = (options: MmsFieldsOptions = {}): FormFields => {
  const accountSid = options.accountSid ?? TEST_ACCOUNT_SID;
  const messageSid = options.messageSid ?? TEST_MESSAGE_SID;
  const media = options.media ?? [];
  const base = options.apiBaseUrl ?? 'https://api.twilio.com';
  const prefix = options.whatsapp ? 'whatsapp:' : '';
  const fields: FormFields = {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: messageSid,
    NumMedia: String(media.length),
    ToCity: 'SAN FRANCISCO',
    FromZip: '94105',
    SmsSid: messageSid,
    FromState: 'CA',
    SmsStatus: 'received',
    FromCity: 'SAN FRANCISCO',
    Body: options.body ?? 'Photos from the site visit 📷 & notes',
    FromCountry: 'US',
    To: `${prefix}${options.to ?? '+14155550100'}`,
    MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
    ToZip: '94105',
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: accountSid,
    From: `${prefix}${options.from ?? '+14155550199'}`,
    ApiVersion: '2010-04-01',
  };
  media.forEach(({ mediaSid, contentType }, n) => {
    fields[`MediaContentType${n}`] = contentType;
    fields[`MediaUrl${n}`] =
      `${base}/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${mediaSid}`;
  });
  if (options.whatsapp) {
    fields.ProfileName = 'Zoë Example';
    fields.WaId = (options.from ?? '+14155550199').replace('+', '');
    fields.MessageType = media.length > 0 ? 'image' : 'text';
    fields.ChannelMetadata = JSON.stringify({
      type: 'whatsapp',
      data: { context: { ProfileName: 'Zoë Example', WaId: '14155550199' } },
    });
    delete fields.ToCountry;
    delete fields.FromCity;
  }
  return fields;
};
