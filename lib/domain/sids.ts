export const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
export const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;
export const MEDIA_SID = /^ME[0-9a-fA-F]{32}$/;

export const isAccountSid = (value: unknown): value is string =>
  typeof value === 'string' && ACCOUNT_SID.test(value);
export const isMessageSid = (value: unknown): value is string =>
  typeof value === 'string' && MESSAGE_SID.test(value);
export const isMediaSid = (value: unknown): value is string =>
  typeof value === 'string' && MEDIA_SID.test(value);

/** Path of the Media resource on Twilio's REST API, relative to the API origin. */
export const mediaResourcePath = (accountSid: string, messageSid: string, mediaSid: string) =>
  `/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${mediaSid}`;
