import { createHash, createHmac } from 'node:crypto';
import type {
  CloudEvent,
  EventDeliveryEntry,
  EventDeliverySettings,
  FaultProfile,
  KinesisPublisher,
  SinkRecord,
  SubscriptionRecord,
} from './types.ts';

interface DeliveryDeps {
  sinks: SinkRecord[];
  subscriptions: SubscriptionRecord[];
  faults: FaultProfile;
  random: () => number;
  settings: EventDeliverySettings;
  kinesis?: KinesisPublisher;
  fetch?: typeof globalThis.fetch;
  /** The account's primary auth token: it signs the account's sink requests. */
  authTokenOf: (accountSid: string) => string | undefined;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The sink URL's userinfo becomes Basic credentials; the request goes to the URL without it, plus
 * `bodySHA256` (Twilio's JSON-body signing: the hash joins the query and the URL alone is signed
 * with the account's auth token, HMAC-SHA1, in `X-Twilio-Signature`).
 */
const webhookRequest = (destination: string, body: string, authToken: string | undefined) => {
  const url = new URL(destination);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'TwilioEventStreams-Emulator/1.0',
  };
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  url.username = '';
  url.password = '';
  url.searchParams.append('bodySHA256', createHash('sha256').update(body).digest('hex'));
  const signed = url.toString();
  if (authToken !== undefined) {
    headers['X-Twilio-Signature'] = createHmac('sha1', authToken).update(signed).digest('base64');
  }
  return { url: signed, headers };
};

/**
 * At-least-once, unordered delivery: retries on anything but 2xx, and with the fault knobs a
 * delivery is sent twice (`eventDuplicateRate`) or held back until the sink's next delivery has
 * gone (`eventReorderRate`). `flush()` settles everything pending, held deliveries included.
 */
export const createEventDelivery = (deps: DeliveryDeps) => {
  const log: EventDeliveryEntry[] = [];
  const pending = new Set<Promise<void>>();
  const held = new Map<string, CloudEvent[][]>();
  const fetchImpl = deps.fetch ?? globalThis.fetch;

  const attemptOnce = async (sink: SinkRecord, events: CloudEvent[]): Promise<number> => {
    if (sink.sinkType === 'kinesis') {
      if (!deps.kinesis) return 0;
      try {
        await deps.kinesis(sink.configuration, events);
        return 200;
      } catch {
        return 0;
      }
    }
    const body = JSON.stringify(events);
    const { url, headers } = webhookRequest(
      sink.configuration.destination,
      body,
      deps.authTokenOf(sink.accountSid),
    );
    try {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(deps.settings.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.status;
    } catch {
      return 0;
    }
  };

  const deliver = async (sink: SinkRecord, events: CloudEvent[], duplicate: boolean) => {
    for (let attempt = 1; ; attempt += 1) {
      const status = await attemptOnce(sink, events);
      const delivered = status >= 200 && status < 300;
      const last = attempt >= deps.settings.attempts;
      log.push({
        at: Date.now(),
        sinkSid: sink.sid,
        accountSid: sink.accountSid,
        attempt,
        status,
        eventIds: events.map((e) => e.id),
        types: events.map((e) => e.type),
        duplicate,
        outcome: delivered ? 'delivered' : last ? 'dropped' : 'retrying',
      });
      if (delivered || last) return;
      await delay(deps.settings.retryDelayMs * attempt);
    }
  };

  const track = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  const send = (sink: SinkRecord, events: CloudEvent[]) => {
    track(deliver(sink, events, false));
    const rate = deps.faults.eventDuplicateRate ?? 0;
    if (rate > 0 && deps.random() < rate) {
      track(deliver(sink, events, true));
    }
  };

  const releaseHeld = (sinkSid: string) => {
    const sink = deps.sinks.find((s) => s.sid === sinkSid);
    const batches = held.get(sinkSid) ?? [];
    held.delete(sinkSid);
    if (sink) for (const batch of batches) send(sink, batch);
  };

  const dispatch = (sink: SinkRecord, events: CloudEvent[]) => {
    const rate = deps.faults.eventReorderRate ?? 0;
    if (rate > 0 && deps.random() < rate) {
      held.set(sink.sid, [...(held.get(sink.sid) ?? []), events]);
      return;
    }
    send(sink, events);
    releaseHeld(sink.sid);
  };

  return {
    log,
    /** Events of one account to every active sink whose subscription (same account) names them. */
    publish(accountSid: string, events: CloudEvent[]) {
      for (const sink of deps.sinks) {
        if (sink.accountSid !== accountSid || sink.status !== 'active') continue;
        const types = new Set(
          deps.subscriptions
            .filter((s) => s.sinkSid === sink.sid && s.accountSid === accountSid)
            .flatMap((s) => s.types.map((t) => t.type)),
        );
        const wanted = events.filter((event) => types.has(event.type));
        if (wanted.length === 0) continue;
        const batches =
          sink.sinkType === 'webhook' && !sink.configuration.batch_events
            ? wanted.map((event) => [event])
            : [wanted];
        for (const batch of batches) dispatch(sink, batch);
      }
    },
    /** A sink test goes out whatever the sink's status (it is `validating` by then). */
    sendTest(sink: SinkRecord, event: CloudEvent) {
      send(sink, [event]);
    },
    /** Sends what reordering held back and resolves once no delivery is pending. */
    async flush() {
      for (const sinkSid of [...held.keys()]) releaseHeld(sinkSid);
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
};

export type EventDelivery = ReturnType<typeof createEventDelivery>;
