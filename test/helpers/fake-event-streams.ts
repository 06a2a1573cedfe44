import type {
  EventSink,
  EventSinkTarget,
  EventStreamsClient,
  EventStreamsClientFactory,
  EventSubscription,
} from '../../lib/ports/event-streams.ts';

let counter = 0;
const sid = (prefix: 'DG' | 'DF') => `${prefix}${(++counter).toString(16).padStart(32, '0')}`;

export const webhookTarget = (destination: string): EventSinkTarget => ({
  kind: 'webhook',
  destination,
});

/**
 * Event Streams of several accounts in memory, with the two refusals that matter to a delete:
 * an unknown SID is "gone", and a sink still fed by a subscription is refused (Twilio: 91007).
 * `calls` keeps every write in order, per account.
 */
export class FakeEventStreams {
  readonly sinks = new Map<string, EventSink[]>();
  readonly subscriptions = new Map<string, EventSubscription[]>();
  readonly calls: string[] = [];

  addSink(account: string, target: EventSinkTarget, description = 'media-archive test'): EventSink {
    const sink: EventSink = { sid: sid('DG'), status: 'active', description, target };
    this.sinks.set(account, [...(this.sinks.get(account) ?? []), sink]);
    return sink;
  }

  addSubscription(account: string, sinkSid: string, description = 'media-archive test') {
    const subscription: EventSubscription = {
      sid: sid('DF'),
      sinkSid,
      description,
      types: [{ type: 'com.twilio.messaging.inbound-message.received', schemaVersion: 1 }],
    };
    this.subscriptions.set(account, [...(this.subscriptions.get(account) ?? []), subscription]);
    return subscription;
  }

  readonly factory: EventStreamsClientFactory = (account): EventStreamsClient => ({
    listSinks: async () => [...(this.sinks.get(account) ?? [])],
    listSubscriptions: async () => [...(this.subscriptions.get(account) ?? [])],
    createSink: async () => {
      throw new Error('not used by these tests');
    },
    testSink: async () => {
      throw new Error('not used by these tests');
    },
    validateSink: async () => {
      throw new Error('not used by these tests');
    },
    createSubscription: async () => {
      throw new Error('not used by these tests');
    },
    deleteSubscription: async (subscriptionSid) => {
      this.calls.push(`${account} DELETE ${subscriptionSid}`);
      const all = this.subscriptions.get(account) ?? [];
      if (!all.some((s) => s.sid === subscriptionSid)) return 'gone';
      this.subscriptions.set(
        account,
        all.filter((s) => s.sid !== subscriptionSid),
      );
      return 'deleted';
    },
    deleteSink: async (sinkSid) => {
      this.calls.push(`${account} DELETE ${sinkSid}`);
      const all = this.sinks.get(account) ?? [];
      if (!all.some((s) => s.sid === sinkSid)) return 'gone';
      if ((this.subscriptions.get(account) ?? []).some((s) => s.sinkSid === sinkSid)) {
        throw new Error(`sink ${sinkSid} is still in use (91007)`);
      }
      this.sinks.set(
        account,
        all.filter((s) => s.sid !== sinkSid),
      );
      return 'deleted';
    },
  });
}
