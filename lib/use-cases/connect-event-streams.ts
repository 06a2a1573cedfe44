import { SUBSCRIBED_EVENT_TYPES } from '../domain/twilio-cloud-event.ts';
import type { TwilioCredentials } from '../domain/twilio-credentials.ts';
import type {
  EventSink,
  EventSinkTarget,
  EventStreamsClientFactory,
  SinkTestIdReader,
  SubscribedType,
} from '../ports/event-streams.ts';
import { isDeploymentSink, maskTarget, subscriptionsOfSink } from './event-streams-ownership.ts';

/**
 * `media-archive connect`: per account, the Sink pointing at this deployment's intake and a
 * Subscription naming the event types the archiver acts on, both created only when missing (a
 * second run creates nothing). A sink that is not active is tested and validated with the
 * `test_id` its test event carried to the deployment.
 */

export interface ConnectAccount {
  sid: string;
  /** The account's own credential: events v1 resources belong to the credential's account. */
  credentials: TwilioCredentials;
}

export interface ConnectPlan {
  /** Names this deployment's sink and subscription at Twilio (no PII). */
  description: string;
  /** Webhook: the sink URL with Basic credentials in its userinfo. */
  target: EventSinkTarget;
  accounts: readonly ConnectAccount[];
  dryRun: boolean;
  /** A `test_id` read by hand from the events function's log (`sink test event received`). */
  testId?: string;
}

export interface ConnectDeps {
  events: EventStreamsClientFactory;
  /** Where the deployment's events function reports a test's `test_id`; absent = `--test-id`. */
  testIds?: SinkTestIdReader;
  now?: () => Date;
}

export interface AccountConnection {
  accountSid: string;
  sinkSid?: string;
  sinkStatus?: string;
  subscriptionSid?: string;
  created: ('sink' | 'subscription')[];
  /** Why the account is not connected yet; `undefined` = events will flow (or would, dry run). */
  problem?: string;
}

const typeList = (types: readonly SubscribedType[]) =>
  types.map((t) => `${t.type}@${t.schemaVersion}`).join(', ');

export const connectEventStreams = async (
  deps: ConnectDeps,
  plan: ConnectPlan,
  say: (line: string) => void,
): Promise<AccountConnection[]> => {
  const now = deps.now ?? (() => new Date());
  const results: AccountConnection[] = [];
  // One account after the other: a test event names only its account, and the log is shared.
  for (const account of plan.accounts) {
    const client = deps.events(account.sid, account.credentials);
    const result: AccountConnection = { accountSid: account.sid, created: [] };
    results.push(result);
    const line = (text: string) => say(`${account.sid}: ${text}`);

    const sinks = await client.listSinks();
    let sink: EventSink | undefined = sinks.find((s) => isDeploymentSink(s, plan.target));
    if (sink) {
      line(`sink ${sink.sid} exists (${sink.status})`);
    } else if (plan.dryRun) {
      line(
        `would POST /v1/Sinks Description="${plan.description}" SinkType=${plan.target.kind} SinkConfiguration=${JSON.stringify(maskTarget(plan.target))}`,
      );
    } else {
      sink = await client.createSink(plan.description, plan.target);
      result.created.push('sink');
      line(`created sink ${sink.sid} (${sink.status})`);
    }

    if (sink && sink.status !== 'active') {
      if (plan.dryRun) {
        line(
          plan.testId
            ? `would POST /v1/Sinks/${sink.sid}/Validate TestId=${plan.testId}`
            : `would POST /v1/Sinks/${sink.sid}/Test, then /Validate with its test_id`,
        );
      } else {
        let testId = plan.testId;
        if (!testId) {
          const since = now();
          await client.testSink(sink.sid);
          line(`sent a test event to sink ${sink.sid}`);
          testId = await deps.testIds?.waitForTestId(account.sid, since);
        }
        if (!testId) {
          result.sinkSid = sink.sid;
          result.sinkStatus = 'validating';
          result.problem = `sink ${sink.sid} is waiting for validation: find "sink test event received" (testId) in the events function's log and run connect again with --test-id`;
          line(result.problem);
          continue;
        }
        await client.validateSink(sink.sid, testId);
        sink = { ...sink, status: 'active' };
        line(`validated sink ${sink.sid}: active`);
      }
    }
    if (sink) {
      result.sinkSid = sink.sid;
      result.sinkStatus = sink.status;
    }

    const sinkSid = sink?.sid;
    const subscriptions = sinkSid
      ? subscriptionsOfSink(await client.listSubscriptions(), sinkSid)
      : [];
    const have = new Set(subscriptions.flatMap((s) => s.types.map((t) => t.type)));
    const missing = SUBSCRIBED_EVENT_TYPES.filter((t) => !have.has(t.type));
    const existing = subscriptions[0];
    if (missing.length === 0 && existing) {
      result.subscriptionSid = existing.sid;
      line(`subscription ${existing.sid} names all ${SUBSCRIBED_EVENT_TYPES.length} event types`);
      continue;
    }
    if (plan.dryRun || !sinkSid) {
      line(
        `would POST /v1/Subscriptions Description="${plan.description}" SinkSid=${sinkSid ?? '<new sink>'} Types=${typeList(missing)}`,
      );
      continue;
    }
    const created = await client.createSubscription(plan.description, sinkSid, missing);
    result.subscriptionSid = created.sid;
    result.created.push('subscription');
    line(`created subscription ${created.sid}: ${typeList(missing)}`);
  }
  return results;
};
