import { RepeatedPageError } from '../../domain/errors.ts';
import {
  isMessageDirection,
  type JobMessage,
  MEDIA_JOB_VERSION,
  type MediaJob,
} from '../../domain/media-job.ts';
import { addDays } from '../../domain/utc-day.ts';
import type { CatalogMessage, MessageCatalog } from '../../ports/pipeline.ts';

export type Direction = 'inbound' | 'all';

/** Outbound statuses before which Twilio refuses to delete media (20009): not enqueued. */
export const IN_FLIGHT_STATUSES: ReadonlySet<string> = new Set([
  'accepted',
  'queued',
  'sending',
  'scheduled',
]);

export interface FindOptions {
  accountSid: string;
  /** First and last UTC day (`YYYY-MM-DD`, inclusive); listed oldest day first. */
  since: string;
  until: string;
  direction: Direction;
  source: 'backfill' | 'reconcile';
  /** Twilio allows at most 1000. */
  pageSize?: number;
  /** Messages created after this instant are left to the webhook (reconcile's grace period). */
  createdBefore?: Date;
  /** Continue an interrupted walk: the day, and the page to fetch next (`null` = day done). */
  resumeFrom?: { day: string; nextPageUri: string | null };
  signal?: AbortSignal;
}

/** What one page of the Messages list yields. */
export interface FoundPage {
  day: string;
  /** Where the walk continues after this page (`null` = the day is done). */
  nextPageUri: string | null;
  /** Messages of the requested direction on this page. */
  messages: number;
  /** Per message with media: its jobs, in list order. */
  found: { message: CatalogMessage; jobs: MediaJob[] }[];
  /** Media of outbound messages not yet final: never enqueued (their delete would fail). */
  skippedInFlight: number;
  /** Media of messages younger than `createdBefore`. */
  skippedRecent: number;
}

export const matchesDirection = (message: CatalogMessage, direction: Direction): boolean =>
  direction === 'all' || message.direction === 'inbound';

export const isInFlight = (message: CatalogMessage): boolean =>
  message.direction.startsWith('outbound') && IN_FLIGHT_STATUSES.has(message.status);

/** Twilio allows at most 10 media per message; a record names each one. */
const MAX_RECORDED_MEDIA = 10;

/**
 * The message for its record, from the Messages list entry and the Media list already read (no
 * further request). `undefined` when the Media list no longer holds every media the message had
 * (some archived and deleted already): a record is written once, and one naming only the rest
 * would stay wrong; those media keep no record rather than a false one.
 */
export const jobMessageFor = (
  message: CatalogMessage,
  media: readonly { sid: string; contentType: string }[],
): JobMessage | undefined => {
  if (media.length !== message.numMedia || media.length > MAX_RECORDED_MEDIA) return undefined;
  if (!isMessageDirection(message.direction)) return undefined;
  const result: JobMessage = {
    media: media.map(({ sid, contentType }) => ({ sid, contentType })),
    direction: message.direction,
  };
  if (message.numSegments !== undefined) result.numSegments = message.numSegments;
  if (message.messagingServiceSid !== undefined) {
    result.messagingServiceSid = message.messagingServiceSid;
  }
  if (message.body !== undefined) result.body = message.body;
  if (message.participants !== undefined) {
    result.participants = message.participants.map((p) => ({ ...p }));
  }
  return result;
};

/**
 * One job per media, shaped like the webhook's (its message included, for the record);
 * `receivedAt` is the message's `date_created`.
 */
export const jobsFor = (
  accountSid: string,
  message: CatalogMessage,
  media: readonly { sid: string; contentType: string }[],
  source: FindOptions['source'] | 'events',
): MediaJob[] => {
  const recordable = jobMessageFor(message, media);
  return media.map((item, index) => {
    const job: MediaJob = {
      version: MEDIA_JOB_VERSION,
      accountSid,
      messageSid: message.sid,
      mediaSid: item.sid,
      contentType: item.contentType,
      receivedAt: message.dateCreated,
      index,
      source,
    };
    if (message.from !== undefined) job.from = message.from;
    if (message.to !== undefined) job.to = message.to;
    if (recordable) job.message = recordable;
    return job;
  });
};

/** The `day` of the pages of the second walk: every message newest first, for the unsent ones. */
export const UNSENT_SCAN = 'unsent';

const DAY_MS = 86_400_000;

/** Older than the mark by every date the message has: the one fact both possible orders agree on. */
const isOlderThan = (message: CatalogMessage, markMs: number): boolean =>
  Date.parse(message.dateCreated) < markMs &&
  (message.dateSent === undefined || Date.parse(message.dateSent) < markMs);

/**
 * Whether the newest-first walk has passed the window for good. Twilio does not document whether
 * "most recent first" sorts by `date_sent` or `date_created`, nor where rows without a `date_sent`
 * fall; since a message is sent after it is created, a page on which every row is older than the
 * mark by both dates ends the window under either order, and the row with a `date_sent` it must
 * hold shows the walk is past a leading block of unsent rows (whose order among themselves is
 * unknown). Rows after it are older still.
 */
export const isPastWindow = (messages: readonly CatalogMessage[], markMs: number): boolean =>
  messages.some((message) => message.dateSent !== undefined) &&
  messages.every((message) => isOlderThan(message, markMs));

type PageResult = Omit<FoundPage, 'day' | 'nextPageUri'>;

/** Decides one listed message: counted, skipped (and why), or its Media list read into jobs. */
const examine = async (
  catalog: MessageCatalog,
  options: FindOptions,
  message: CatalogMessage,
  result: PageResult,
): Promise<void> => {
  if (!matchesDirection(message, options.direction)) return;
  result.messages += 1;
  if (message.numMedia === 0) return;
  if (isInFlight(message)) {
    result.skippedInFlight += message.numMedia;
    return;
  }
  if (options.createdBefore && Date.parse(message.dateCreated) > options.createdBefore.getTime()) {
    result.skippedRecent += message.numMedia;
    return;
  }
  const media = await catalog.listMedia(message.sid, options.signal);
  if (media.length > 0) {
    result.found.push({
      message,
      jobs: jobsFor(options.accountSid, message, media, options.source),
    });
  }
};

const emptyResult = (): PageResult => ({
  messages: 0,
  found: [],
  skippedInFlight: 0,
  skippedRecent: 0,
});

/** A next_page_uri that comes round again would walk the same pages forever. */
const pageGuard = (what: string) => {
  const read = new Set<string>();
  return (pageUri: string | null | undefined) => {
    if (typeof pageUri !== 'string') return;
    if (read.has(pageUri)) {
      throw new RepeatedPageError(
        `Twilio's next_page_uri repeats a page of ${what} already read: backfill stopped`,
      );
    }
    read.add(pageUri);
  };
};

/**
 * The messages `DateSent` can never list: those without a `date_sent` (failed, canceled, never
 * sent), created inside the window. Walks every message newest first from `pageUri` (or the
 * start) until `isPastWindow`; rows that have a `date_sent` are the day walk's.
 */
async function* findUnsentMedia(
  catalog: MessageCatalog,
  options: FindOptions,
  pageSize: number,
  startAt: string | undefined,
): AsyncGenerator<FoundPage> {
  const markMs = Date.parse(`${options.since}T00:00:00Z`);
  const endMs = Date.parse(`${options.until}T00:00:00Z`) + DAY_MS;
  const guard = pageGuard('the unfiltered Messages list');
  let pageUri: string | null | undefined = startAt;
  do {
    guard(pageUri);
    const page = await catalog.listMessages(
      typeof pageUri === 'string' ? { pageUri } : { pageSize },
      options.signal,
    );
    const result = emptyResult();
    for (const message of page.messages) {
      const created = Date.parse(message.dateCreated);
      if (message.dateSent !== undefined || created < markMs || created >= endMs) continue;
      await examine(catalog, options, message, result);
    }
    const nextPageUri = isPastWindow(page.messages, markMs) ? null : page.nextPageUri;
    yield { day: UNSENT_SCAN, nextPageUri, ...result };
    pageUri = nextPageUri;
  } while (pageUri !== null);
}

/**
 * Walks the Messages list one UTC day at a time, oldest day first (Twilio expires the oldest media
 * first; a day is also the unit of the archive's layout), with `DateSent=YYYY-MM-DD`, the one
 * date filter whose meaning for a bare date is unambiguous at Twilio. Messages without media
 * (`num_media` "0") cost no further request; the others get their Media list read. Then the
 * unsent ones `DateSent` cannot see (`findUnsentMedia`), as pages whose `day` is `UNSENT_SCAN`.
 */
export async function* findArchivableMedia(
  catalog: MessageCatalog,
  options: FindOptions,
): AsyncGenerator<FoundPage> {
  const pageSize = Math.min(options.pageSize ?? 1000, 1000);
  const { signal } = options;
  let day = options.resumeFrom?.day ?? options.since;
  let pageUri: string | null | undefined = options.resumeFrom?.nextPageUri;
  if (day === UNSENT_SCAN) {
    if (pageUri === null) return;
    yield* findUnsentMedia(catalog, options, pageSize, pageUri);
    return;
  }
  if (pageUri === null) {
    day = addDays(day, 1);
    pageUri = undefined;
  }
  for (; day <= options.until; day = addDays(day, 1), pageUri = undefined) {
    const guard = pageGuard(day);
    do {
      guard(pageUri);
      const page = await catalog.listMessages(
        pageUri === undefined || pageUri === null ? { day, pageSize } : { pageUri },
        signal,
      );
      const result = emptyResult();
      for (const message of page.messages) await examine(catalog, options, message, result);
      yield { day, nextPageUri: page.nextPageUri, ...result };
      pageUri = page.nextPageUri;
    } while (pageUri !== null);
  }
  yield* findUnsentMedia(catalog, options, pageSize, undefined);
}
