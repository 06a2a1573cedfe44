import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
} from '@aws-sdk/client-cloudwatch';
import type { AlarmReader, AlarmState, MetricsReader } from '../../ports/doctor.ts';

/** DescribeAlarms takes at most 100 names a call. */
const NAMES_PER_CALL = 100;
/** SQS publishes its metrics every minute while a queue is active, every few minutes otherwise. */
const LOOKBACK_MS = 15 * 60_000;

export const createCloudWatchAlarmReader = (client: CloudWatchClient): AlarmReader => ({
  async describe(names) {
    const states: AlarmState[] = [];
    for (let start = 0; start < names.length; start += NAMES_PER_CALL) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new DescribeAlarmsCommand({
            AlarmNames: names.slice(start, start + NAMES_PER_CALL),
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          if (!alarm.AlarmName) continue;
          states.push({
            name: alarm.AlarmName,
            state: alarm.StateValue ?? 'UNKNOWN',
            ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
            actions: alarm.AlarmActions ?? [],
          });
        }
        token = page.NextToken;
      } while (token);
    }
    return states;
  },
});

export const createCloudWatchMetricsReader = (
  client: CloudWatchClient,
  now: () => Date = () => new Date(),
): MetricsReader => ({
  async oldestMessageAgeSeconds(queueName) {
    const end = now();
    const { Datapoints = [] } = await client.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: queueName }],
        StartTime: new Date(end.getTime() - LOOKBACK_MS),
        EndTime: end,
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    const latest = Datapoints.filter((d) => d.Timestamp && d.Maximum !== undefined).sort(
      (a, b) => (b.Timestamp as Date).getTime() - (a.Timestamp as Date).getTime(),
    )[0];
    return latest?.Maximum;
  },
});
