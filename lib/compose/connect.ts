import { createCloudWatchSinkTestIdReader } from '../adapters/aws/cloudwatch-sink-test-ids.ts';
import { createTwilioAccountDirectory } from '../adapters/twilio/twilio-account-directory.ts';
import { createTwilioEventStreams } from '../adapters/twilio/twilio-event-streams.ts';
import type { TwilioCredentials } from '../domain/twilio-credentials.ts';
import type { EventStreamsClientFactory, SinkTestIdReader } from '../ports/event-streams.ts';
import type { AccountDirectory } from '../ports/pipeline.ts';
import { createCloudWatchLogsClient } from './clients.ts';

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

/** A deployed stack's events function log, for a sink test's test_id; the caller destroys it. */
export const createLogTestIdReader = (settings: {
  region?: string;
  endpoint?: string;
  functionName: string;
}): { reader: SinkTestIdReader; destroy(): void } => {
  const logs = createCloudWatchLogsClient({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  });
  return {
    reader: createCloudWatchSinkTestIdReader({
      logs,
      logGroupName: `/aws/lambda/${settings.functionName}`,
    }),
    destroy: () => logs.destroy(),
  };
};
