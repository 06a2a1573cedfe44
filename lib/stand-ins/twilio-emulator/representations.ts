import { mediaResourcePath } from '../../domain/sids.ts';
import type { MediaRecord, MessageRecord } from './store.ts';

/** Twilio's REST dates: RFC 2822 with a numeric zone, e.g. "Wed, 18 Aug 2010 20:01:40 +0000". */
export const rfc2822 = (date: Date): string => date.toUTCString().replace('GMT', '+0000');

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export const twilioError = (status: number, code: number, message: string): TwilioErrorBody => ({
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
  status,
});

export const notFound = (path: string): TwilioErrorBody =>
  twilioError(404, 20404, `The requested resource ${path} was not found`);

export const mediaJson = (accountSid: string, media: MediaRecord) => ({
  account_sid: accountSid,
  content_type: media.contentType,
  date_created: rfc2822(media.dateCreated),
  date_updated: rfc2822(media.dateCreated),
  parent_sid: media.messageSid,
  sid: media.sid,
  uri: `${mediaResourcePath(accountSid, media.messageSid, media.sid)}.json`,
});

export const messageJson = (accountSid: string, message: MessageRecord) => {
  const base = `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}`;
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: message.body,
    date_created: rfc2822(message.dateCreated),
    date_sent: message.dateSent === null ? null : rfc2822(message.dateSent),
    date_updated: rfc2822(message.dateUpdated),
    direction: message.direction,
    error_code: null,
    error_message: null,
    from: message.from,
    messaging_service_sid: null,
    // Twilio sends counts as strings; consumers must parse them.
    num_media: String(message.media.length),
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: message.status,
    subresource_uris: { media: `${base}/Media.json`, feedback: `${base}/Feedback.json` },
    to: message.to,
    uri: `${base}.json`,
  };
};
