import type {
  EventSinkTarget,
  EventStreamsClientFactory,
  EventSubscription,
} from '../ports/event-streams.ts';
import type { ConnectAccount } from './connect-event-streams.ts';
import { isDeploymentSink, maskTarget, subscriptionsOfSink } from './event-streams-ownership.ts';

/**
 * `media-archive disconnect`: per account, what `connect` made for this deployment goes again —
 * the subscriptions feeding our sink first (Twilio refuses to delete a sink still in use, error
 * 91007), then the sink. Ours is decided by `connect`'s own predicate, so another app's sink or
 * subscription on the same account is never touched. A resource already gone is no failure: a
 * second run removes nothing and succeeds.
 */

export interface DisconnectPlan {
  /** The deployment's sink target, as `connect` made it (webhook URL with credentials; Kinesis). */
  target: EventSinkTarget;
  accounts: readonly ConnectAccount[];
  dryRun: boolean;
}

export interface RemovedResource {
  accountSid: string;
  kind: 'subscription' | 'sink';
  sid: string;
  /** `would delete` on a dry run; `gone`: deleted by someone else between our list and delete. */
  outcome: 'deleted' | 'gone' | 'would delete';
}

export interface AccountDisconnection {
  accountSid: string;
  removed: RemovedResource[];
}

/** The sink's target with its secret masked, for the line that names it. */
export const describeSink = (target: EventSinkTarget): string =>
  target.kind === 'webhook'
    ? String(maskTarget(target).destination)
    : `kinesis ${target.arn} role ${target.roleArn}`;

export const disconnectEventStreams = async (
  deps: { events: EventStreamsClientFactory },
  plan: DisconnectPlan,
  onRemoved: (resource: RemovedResource) => void,
): Promise<AccountDisconnection[]> => {
  const results: AccountDisconnection[] = [];
  for (const account of plan.accounts) {
    const client = deps.events(account.sid, account.credentials);
    const result: AccountDisconnection = { accountSid: account.sid, removed: [] };
    results.push(result);
    const note = (
      kind: RemovedResource['kind'],
      sid: string,
      outcome: RemovedResource['outcome'],
    ) => {
      const resource = { accountSid: account.sid, kind, sid, outcome };
      result.removed.push(resource);
      onRemoved(resource);
    };

    const sinks = (await client.listSinks()).filter((sink) => isDeploymentSink(sink, plan.target));
    if (sinks.length === 0) continue;
    const subscriptions: EventSubscription[] = await client.listSubscriptions();
    for (const sink of sinks) {
      for (const subscription of subscriptionsOfSink(subscriptions, sink.sid)) {
        note(
          'subscription',
          subscription.sid,
          plan.dryRun ? 'would delete' : await client.deleteSubscription(subscription.sid),
        );
      }
      note('sink', sink.sid, plan.dryRun ? 'would delete' : await client.deleteSink(sink.sid));
    }
  }
  return results;
};
