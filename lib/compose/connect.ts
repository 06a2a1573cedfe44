import { createTwilioAccountDirectory } from '../adapters/twilio/twilio-account-directory.ts';
import { createTwilioEventStreams } from '../adapters/twilio/twilio-event-streams.ts';
import type { TwilioCredentials } from '../config/lambda.ts';
import type { EventStreamsClientFactory } from '../ports/event-streams.ts';
import type { AccountDirectory } from '../ports/pipeline.ts';

/** Composition root of `media-archive connect`: events v1 per account, the main's directory. */
export const createConnectDeps = (config: {
  apiBaseUrl: string;
  eventsBaseUrl: string;
  fetch?: typeof globalThis.fetch;
}): {
  events: EventStreamsClientFactory;
  directory: (accountSid: string, credentials: TwilioCredentials) => AccountDirectory;
} => ({
  events: (accountSid, credentials) =>
    createTwilioEventStreams({
      eventsBaseUrl: config.eventsBaseUrl,
      accountSid,
      credentials,
      ...(config.fetch ? { fetch: config.fetch } : {}),
    }),
  directory: (accountSid, credentials) =>
    createTwilioAccountDirectory({
      apiBaseUrl: config.apiBaseUrl,
      accountSid,
      credentials,
      requestTimeoutMs: 30_000,
      ...(config.fetch ? { fetch: config.fetch } : {}),
    }),
});
