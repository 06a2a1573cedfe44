import { computeTwilioSignature } from '../domain/twilio-signature.ts';
import type { SeededMessage } from './twilio-emulator.ts';

export interface IncomingMessageWebhook {
  accountSid: string;
  message: SeededMessage;
  from?: string;
  to?: string;
  body?: string;
  whatsapp?: boolean;
}

/** The form Twilio posts for an incoming message, built from a message seeded at the emulator. */
export const incomingMessageFields = (webhook: IncomingMessageWebhook): Record<string, string> => {
  const { accountSid, message } = webhook;
  const prefix = webhook.whatsapp ? 'whatsapp:' : '';
  const from = webhook.from ?? '+14155550199';
  const fields: Record<string, string> = {
    AccountSid: accountSid,
    ApiVersion: '2010-04-01',
    Body: webhook.body ?? '',
    From: `${prefix}${from}`,
    MessageSid: message.sid,
    NumMedia: String(message.media.length),
    NumSegments: '1',
    SmsMessageSid: message.sid,
    SmsSid: message.sid,
    SmsStatus: 'received',
    To: `${prefix}${webhook.to ?? '+14155550100'}`,
  };
  message.media.forEach((media, n) => {
    fields[`MediaContentType${n}`] = media.contentType;
    fields[`MediaUrl${n}`] = media.url;
  });
  if (webhook.whatsapp) {
    fields.ProfileName = 'Demo Customer';
    fields.WaId = from.replace('+', '');
  }
  return fields;
};

/** POSTs a webhook signed exactly as Twilio signs it; resolves with the HTTP answer. */
export const postSignedWebhook = async (options: {
  webhookUrl: string;
  authToken: string;
  fields: Record<string, string>;
  /** The URL the signature is computed over when it differs from where we post (tests). */
  signedUrl?: string;
}): Promise<{ status: number; contentType: string | null; body: string }> => {
  const signature = computeTwilioSignature(
    options.authToken,
    options.signedUrl ?? options.webhookUrl,
    options.fields,
  );
  const response = await fetch(options.webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: new URLSearchParams(options.fields).toString(),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await response.text(),
  };
};
