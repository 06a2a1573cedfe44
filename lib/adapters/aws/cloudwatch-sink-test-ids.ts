import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { SinkTestIdReader } from '../../ports/event-streams.ts';

export interface CloudWatchSinkTestIdOptions {
  logs: CloudWatchLogsClient;
  /** The events function's log group, `/aws/lambda/<function name>`. */
  logGroupName: string;
  /** How long to wait for Twilio's test event to reach the function (default 90 s). */
  timeoutMs?: number;
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The message the events function logs for a sink test (lib/use-cases/receive-events.ts). */
export const SINK_TEST_LOG_MESSAGE = 'sink test event received';

const testIdOf = (message: string | undefined): string | undefined => {
  try {
    const entry = JSON.parse(message ?? '') as { message?: unknown; testId?: unknown };
    return entry.message === SINK_TEST_LOG_MESSAGE && typeof entry.testId === 'string'
      ? entry.testId
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Reads a sink test's `test_id` from the events function's log: the newest "sink test event
 * received" line since the test was asked for. `connect` tests one account at a time, so the
 * newest line is that account's.
 */
export const createCloudWatchSinkTestIdReader = (
  options: CloudWatchSinkTestIdOptions,
): SinkTestIdReader => {
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  return {
    async waitForTestId(_accountSid, since) {
      const deadline = now() + (options.timeoutMs ?? 90_000);
      for (;;) {
        let newest: { at: number; testId: string } | undefined;
        let nextToken: string | undefined;
        do {
          const page = await options.logs.send(
            new FilterLogEventsCommand({
              logGroupName: options.logGroupName,
              startTime: since.getTime(),
              filterPattern: `"${SINK_TEST_LOG_MESSAGE}"`,
              ...(nextToken ? { nextToken } : {}),
            }),
          );
          for (const event of page.events ?? []) {
            const testId = testIdOf(event.message);
            const at = event.timestamp ?? 0;
            if (testId && (!newest || at >= newest.at)) newest = { at, testId };
          }
          nextToken = page.nextToken;
        } while (nextToken);
        if (newest) return newest.testId;
        if (now() >= deadline) return undefined;
        await sleep(options.intervalMs ?? 3_000);
      }
    },
  };
};
