/** Basic-auth credentials for Twilio's API: an API key and secret, or the account and auth token. */
export interface TwilioCredentials {
  username: string;
  password: string;
}
