import type { EventSink, EventSinkTarget, EventSubscription } from '../ports/event-streams.ts';

/**
 * Which Event Streams resources are this deployment's: the one predicate `connect` (already
 * connected?) and `disconnect` (ours to delete?) share. A sink is ours when it points at exactly
 * our target (webhook URL with its credentials; Kinesis stream, role and external id), so
 * another app's sink on the same account never matches; a subscription is ours when it feeds
 * one of our sinks.
 */
export const isDeploymentSink = (sink: EventSink, target: EventSinkTarget): boolean => {
  const own = sink.target;
  if (!own || own.kind !== target.kind) return false;
  if (own.kind === 'webhook' && target.kind === 'webhook') {
    return own.destination === target.destination;
  }
  if (own.kind === 'kinesis' && target.kind === 'kinesis') {
    return (
      own.arn === target.arn &&
      own.roleArn === target.roleArn &&
      own.externalId === target.externalId
    );
  }
  return false;
};

export const subscriptionsOfSink = (
  subscriptions: readonly EventSubscription[],
  sinkSid: string,
): EventSubscription[] => subscriptions.filter((s) => s.sinkSid === sinkSid);

/** Secrets never printed: the sink password in the URL and the Kinesis external id. */
export const maskTarget = (target: EventSinkTarget): Record<string, unknown> => {
  if (target.kind === 'kinesis') {
    return { arn: target.arn, role_arn: target.roleArn, external_id: '****' };
  }
  const url = new URL(target.destination);
  if (url.password !== '') url.password = '****';
  return { destination: url.toString(), method: 'POST', batch_events: false };
};
