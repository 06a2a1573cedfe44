import { isPermanent } from '../domain/errors.ts';
import type { MediaJob } from '../domain/media-job.ts';
import {
  type EventIntent,
  InvalidEventError,
  intentOf,
  parseEventRecord,
  toCloudEvent,
} from '../domain/twilio-cloud-event.ts';
import type { CatalogMessage, JobQueue, MessageCatalog, MessageLookup } from '../ports/pipeline.ts';
import type { Log } from '../ports/telemetry.ts';
import { isInFlight, jobsFor } from './backfill/find-archivable-media.ts';

/** The Powertools Logger's methods the use case needs. */
export type EventsLogger = Pick<Log, 'info' | 'warn'>;

export interface ReceiveEventsDeps {
  /** Twilio's Message and Media resources of one served account. */
  catalogFor(accountSid: string): MessageCatalog & MessageLookup;
  /** The main account or a served subaccount (TWILIO_SUBACCOUNTS): nothing else is asked about. */
  isServedAccount(accountSid: string): boolean | Promise<boolean>;
  queue: JobQueue;
  logger: EventsLogger;
}

/** What became of one event; `skipped` and `dropped` are final, never retried. */
export type EventOutcome =
  | { outcome: 'enqueued'; eventId: string; jobs: MediaJob[] }
  | { outcome: 'skipped'; eventId: string; reason: string }
  | { outcome: 'dropped'; eventId?: string; reason: string };

type MessageIntent = Extract<EventIntent, { kind: 'inbound' | 'outbound-final' }>;

const skipped = (eventId: string, reason: string): EventOutcome => ({
  outcome: 'skipped',
  eventId,
  reason,
});

/**
 * The jobs of one message event: the Message resource gives what the record needs (direction,
 * `date_created` as `receivedAt`, so every source keys a media under the same day and one media
 * is archived once however many events announce it) and whether an outbound message is final;
 * the Media list gives the media, since events carry only a count.
 */
const jobsOf = async (
  deps: ReceiveEventsDeps,
  intent: MessageIntent,
  signal?: AbortSignal,
): Promise<EventOutcome> => {
  const { eventId, accountSid, messageSid } = intent;
  if (intent.kind === 'inbound' && intent.numMedia === 0) return skipped(eventId, 'no media');
  // Before any Twilio call: an account this deployment does not serve gets none.
  if (!(await deps.isServedAccount(accountSid))) return skipped(eventId, 'account not served');
  const catalog = deps.catalogFor(accountSid);
  const message: CatalogMessage | undefined = await catalog.getMessage(messageSid, signal);
  if (message === undefined) return skipped(eventId, 'message no longer at Twilio');
  // Reordered events: the resource, not the event, says whether the message is final. Media of
  // a message still in flight cannot be deleted (20009): its final event enqueues them later.
  if (isInFlight(message)) return skipped(eventId, 'message not final yet');
  if (message.numMedia === 0) return skipped(eventId, 'no media');
  const media = await catalog.listMedia(messageSid, signal);
  // Empty: archived and deleted already (a duplicate or late event), or deleted by the app.
  if (media.length === 0) return skipped(eventId, 'no media left at Twilio');
  const jobs = jobsFor(accountSid, message, media, 'events');
  await deps.queue.enqueue(jobs);
  return { outcome: 'enqueued', eventId, jobs };
};

/**
 * One raw event (as parsed from JSON) → its jobs on the queue. An event that can never be read
 * is `dropped` with a reason; Twilio and queue failures that a retry may cure are thrown (the
 * sink then asks Twilio, or Kinesis, for the event again); permanent Twilio answers drop it.
 */
export const receiveEvent = async (
  deps: ReceiveEventsDeps,
  raw: unknown,
  signal?: AbortSignal,
): Promise<EventOutcome> => {
  let intent: EventIntent;
  try {
    intent = intentOf(toCloudEvent(raw));
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    const id = (raw as { id?: unknown } | null)?.id;
    return {
      outcome: 'dropped',
      ...(typeof id === 'string' && id.length <= 64 ? { eventId: id } : {}),
      reason: error.message,
    };
  }
  if (intent.kind === 'sink-test') {
    // Not secret: `connect` validates the sink with it (POST /v1/Sinks/{DG}/Validate).
    deps.logger.info('sink test event received', { testId: intent.testId });
    return skipped(intent.eventId, 'sink test event');
  }
  if (intent.kind === 'ignored') return skipped(intent.eventId, intent.reason);
  try {
    return await jobsOf(deps, intent, signal);
  } catch (error) {
    if (!isPermanent(error)) throw error;
    return { outcome: 'dropped', eventId: intent.eventId, reason: (error as Error).message };
  }
};

/** Outcomes per event, logged without addresses or bodies (SIDs, ids and reasons only). */
export const logOutcome = (logger: EventsLogger, outcome: EventOutcome): void => {
  if (outcome.outcome === 'enqueued') {
    logger.info('event enqueued', {
      eventId: outcome.eventId,
      messageSid: outcome.jobs[0]?.messageSid,
      mediaSids: outcome.jobs.map((job) => job.mediaSid),
    });
  } else if (outcome.outcome === 'dropped') {
    logger.warn('event dropped', { eventId: outcome.eventId, reason: outcome.reason });
  } else {
    logger.info('event skipped', { eventId: outcome.eventId, reason: outcome.reason });
  }
};

/**
 * A webhook-sink request's events, all at once (Twilio waits at most 5 s). Any retryable failure
 * fails the whole request once every event has settled: Twilio sends the batch again, and the
 * events that had succeeded enqueue the same jobs again, which the archiver's create-only keys
 * absorb.
 */
/** Events handled at once: each costs up to two Twilio requests, and Twilio caps concurrency per account. */
export const EVENT_CONCURRENCY = 8;

/** `run` over every item, at most `limit` at a time, settled in input order. */
const settleLimited = async <T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> => {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      try {
        results[index] = { status: 'fulfilled', value: await run(items[index] as T) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

export const receiveEventBatch = async (
  deps: ReceiveEventsDeps,
  events: readonly unknown[],
  signal?: AbortSignal,
): Promise<EventOutcome[]> => {
  const settled = await settleLimited(events, EVENT_CONCURRENCY, (raw) =>
    receiveEvent(deps, raw, signal),
  );
  const outcomes: EventOutcome[] = [];
  for (const result of settled) {
    if (result.status === 'rejected') throw result.reason;
    logOutcome(deps.logger, result.value);
    outcomes.push(result.value);
  }
  return outcomes;
};

/** One Kinesis record, its data already base64-decoded. */
export interface StreamRecord {
  sequenceNumber: string;
  data: string;
}

export interface StreamBatchResult {
  /** `ReportBatchItemFailures`: Lambda resumes the shard at the lowest sequence number named. */
  batchItemFailures: { itemIdentifier: string }[];
  outcomes: EventOutcome[];
}

/**
 * A Kinesis batch, in shard order. A record that can never be read is dropped with a reason
 * (retrying it would stall the shard); the first record whose event fails in a retryable way is
 * reported, and nothing after it is processed, since Lambda delivers it and every later record
 * again (bisecting on repeated failure, then the on-failure destination).
 */
export const receiveStreamRecords = async (
  deps: ReceiveEventsDeps,
  records: readonly StreamRecord[],
  signal?: AbortSignal,
): Promise<StreamBatchResult> => {
  const outcomes: EventOutcome[] = [];
  for (const record of records) {
    let events: unknown[];
    try {
      events = parseEventRecord(record.data);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      const dropped: EventOutcome = { outcome: 'dropped', reason: error.message };
      deps.logger.warn('record dropped', {
        sequenceNumber: record.sequenceNumber,
        reason: error.message,
      });
      outcomes.push(dropped);
      continue;
    }
    try {
      outcomes.push(...(await receiveEventBatch(deps, events, signal)));
    } catch (error) {
      deps.logger.warn('record failed, to be retried', {
        sequenceNumber: record.sequenceNumber,
        error: (error as Error).name,
        reason: (error as Error).message,
      });
      return { batchItemFailures: [{ itemIdentifier: record.sequenceNumber }], outcomes };
    }
  }
  return { batchItemFailures: [], outcomes };
};
