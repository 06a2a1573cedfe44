import { SUBSCRIBED_EVENT_TYPES } from '../domain/twilio-cloud-event.ts';
import type { TwilioCredentials } from '../domain/twilio-credentials.ts';
import type { EventSink, EventStreamsClientFactory } from '../ports/event-streams.ts';

/** The Event Streams intake the stack deployed, from its outputs (infra/event-streams.yml). */
export interface DeployedEventIntake {
  /** `EventsUrl`: the webhook sink URL (without the credentials). */
  eventsUrl?: string;
  /** `EventStreamArn`: the Kinesis stream a Kinesis sink writes to. */
  streamArn?: string;
}

export interface EventAccountVerdict {
  accountSid: string;
  main: boolean;
  /** Active sinks of this deployment's intake. */
  sinks: { sid: string; kind: string }[];
  /** This deployment's sinks that are not active (status). */
  inactive: { sid: string; status: string }[];
  /** Of the 5 event types, those no subscription of an active sink names. */
  missingTypes: string[];
  error?: string;
  ok: boolean;
}

export const intakeOfOutputs = (outputs: Record<string, string>): DeployedEventIntake => ({
  ...(outputs.EventsUrl ? { eventsUrl: outputs.EventsUrl } : {}),
  ...(outputs.EventStreamArn ? { streamArn: outputs.EventStreamArn } : {}),
});

const withoutUserinfo = (url: string): string | undefined => {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return undefined;
  }
};

/** A sink of this deployment: its URL (credentials aside) or its stream is the stack's. */
const ofThisIntake = (sink: EventSink, intake: DeployedEventIntake): boolean => {
  const target = sink.target;
  if (target?.kind === 'webhook' && intake.eventsUrl) {
    return withoutUserinfo(target.destination) === withoutUserinfo(intake.eventsUrl);
  }
  return target?.kind === 'kinesis' && target.arn === intake.streamArn;
};

/** One account: an active sink of this intake whose subscriptions name the 5 event types. */
export const judgeEventAccount = async (
  events: EventStreamsClientFactory,
  account: { sid: string; main: boolean; credentials: TwilioCredentials },
  intake: DeployedEventIntake,
): Promise<EventAccountVerdict> => {
  const base = { accountSid: account.sid, main: account.main };
  try {
    const client = events(account.sid, account.credentials);
    const [sinks, subscriptions] = await Promise.all([
      client.listSinks(),
      client.listSubscriptions(),
    ]);
    const ours = sinks.filter((s) => ofThisIntake(s, intake));
    const active = ours.filter((s) => s.status === 'active');
    const activeSids = new Set(active.map((s) => s.sid));
    const named = new Set(
      subscriptions
        .filter((s) => activeSids.has(s.sinkSid))
        .flatMap((s) => s.types.map((t) => t.type)),
    );
    const missingTypes = SUBSCRIBED_EVENT_TYPES.map((t) => t.type).filter((t) => !named.has(t));
    return {
      ...base,
      sinks: active.map((s) => ({ sid: s.sid, kind: s.target?.kind ?? 'unknown' })),
      inactive: ours
        .filter((s) => s.status !== 'active')
        .map((s) => ({ sid: s.sid, status: s.status })),
      missingTypes,
      ok: active.length > 0 && missingTypes.length === 0,
    };
  } catch (error) {
    return {
      ...base,
      sinks: [],
      inactive: [],
      missingTypes: [],
      error: (error as Error).message?.split('\n', 1)[0] ?? String(error),
      ok: false,
    };
  }
};

const shortSid = (sid: string) => `${sid.slice(0, 2)}…${sid.slice(-4)}`;
const short = (type: string) => type.replace('com.twilio.messaging.', '');

export const eventAccountLine = (a: EventAccountVerdict): string => {
  const head = `${shortSid(a.accountSid)}${a.main ? ' (main)' : ''}`;
  if (a.error) return `${head} unreadable: ${a.error}`;
  if (a.sinks.length === 0) {
    return a.inactive.length
      ? `${head} sink ${a.inactive.map((s) => `${s.sid} ${s.status}`).join(', ')} (run media-archive connect)`
      : `${head} no sink for this intake (run media-archive connect)`;
  }
  const sinks = a.sinks.map((s) => `${s.kind} sink ${s.sid} active`).join(', ');
  return a.missingTypes.length
    ? `${head} ${sinks}, but no subscription names ${a.missingTypes.map(short).join(', ')}`
    : `${head} ${sinks}, all ${SUBSCRIBED_EVENT_TYPES.length} event types subscribed`;
};
