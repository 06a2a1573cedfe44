import {
  PermanentError,
  RepeatedPageError,
  TwilioAuthError,
  TwilioUnavailableError,
} from '../../domain/errors.ts';
import { isContentType, mediaTypeEssence } from '../../domain/media-job.ts';
import { type ParticipantKey, participantsOf } from '../../domain/participant.ts';
import { isMediaSid, isMessageSid } from '../../domain/sids.ts';
import type {
  CatalogMedia,
  CatalogMessage,
  MessageCatalog,
  MessageLookup,
  MessagePage,
} from '../../ports/pipeline.ts';
import {
  describeRequestFailure,
  jsonGetInit,
  Retryable,
  type RetryPolicy,
  readJsonBody,
  retrying,
  type TwilioHttpOptions,
  throttled,
  twilioHttpSettings,
  withTimeout,
} from './twilio-http.ts';

export interface TwilioCatalogOptions extends TwilioHttpOptions {
  /** Time allowed for one list request, body included. */
  requestTimeoutMs?: number;
  /** ARCHIVE_MESSAGE_BODY: keep each message's `body` for its record. */
  archiveMessageBody?: boolean;
  /** ARCHIVE_ADDRESSES: keep each message's `from`/`to`. */
  archiveAddresses?: boolean;
  /** ARCHIVE_PARTICIPANT_KEY: each message's `from`/`to` as keyed pseudonyms. */
  participantKey?: ParticipantKey;
}

/** A `next_page_uri` that leaves the account's API paths: never followed, never given credentials. */
export class UnsafePageUriError extends PermanentError {}
/** Twilio answered a list request with a status retrying cannot fix (400, 404). */
export class TwilioListError extends PermanentError {}

/** Listing is a long walk: a throttled page waits and retries more patiently than a media GET. */
const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };
const MEDIA_PAGE_SIZE = 1000;

/** RFC 2822 (Twilio's REST dates) → ISO-8601 UTC; `undefined` when unreadable. */
export const isoFromTwilioDate = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
};

/** The media type essence, as the webhook path stores it; octet-stream when Twilio sent junk. */
export const contentTypeEssence = (value: unknown): string => {
  const essence = typeof value === 'string' ? mediaTypeEssence(value) : '';
  return essence && isContentType(essence) ? essence : 'application/octet-stream';
};

const SEGMENTS = /^\d{1,4}$/;
const SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;

/**
 * A Messages list entry, with what the message record needs (as the webhook would have said it):
 * unreadable optional fields are left out; body and addresses only when the deployment keeps them.
 */
const toMessage = (
  raw: Record<string, unknown>,
  keep: Pick<TwilioCatalogOptions, 'archiveMessageBody' | 'archiveAddresses' | 'participantKey'>,
): CatalogMessage | undefined => {
  const dateCreated = isoFromTwilioDate(raw.date_created);
  if (!isMessageSid(raw.sid) || dateCreated === undefined) return undefined;
  const numMedia = Number.parseInt(String(raw.num_media ?? '0'), 10);
  const message: CatalogMessage = {
    sid: raw.sid,
    direction: typeof raw.direction === 'string' ? raw.direction : 'unknown',
    status: typeof raw.status === 'string' ? raw.status : 'unknown',
    dateCreated,
    numMedia: Number.isInteger(numMedia) && numMedia > 0 ? numMedia : 0,
  };
  const dateSent = isoFromTwilioDate(raw.date_sent);
  if (dateSent !== undefined) message.dateSent = dateSent;
  const segments = String(raw.num_segments ?? '');
  if (SEGMENTS.test(segments)) message.numSegments = Number(segments);
  if (
    typeof raw.messaging_service_sid === 'string' &&
    SERVICE_SID.test(raw.messaging_service_sid)
  ) {
    message.messagingServiceSid = raw.messaging_service_sid;
  }
  if (keep.archiveMessageBody && typeof raw.body === 'string') message.body = raw.body;
  if (keep.archiveAddresses) {
    if (typeof raw.from === 'string') message.from = raw.from;
    if (typeof raw.to === 'string') message.to = raw.to;
  }
  if (keep.participantKey) {
    const participants = participantsOf(keep.participantKey, {
      from: typeof raw.from === 'string' ? raw.from : undefined,
      to: typeof raw.to === 'string' ? raw.to : undefined,
    });
    if (participants.length > 0) message.participants = participants;
  }
  return message;
};

/**
 * Twilio's Messages and Media lists over HTTP, with the media source's rules: Basic auth only on
 * the configured API origin and the account's own paths; 429/5xx/network failures retried with
 * jittered exponential backoff that honours `Retry-After`; `next_page_uri` followed only while it
 * is a relative path under `/2010-04-01/Accounts/{AC}/`.
 */
export const createTwilioCatalog = (
  options: TwilioCatalogOptions,
): MessageCatalog & MessageLookup => {
  const http = twilioHttpSettings(options, DEFAULT_RETRY);
  const { fetch: fetchImpl, base, basePath, authorization } = http;
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  const accountPath = `/2010-04-01/Accounts/${options.accountSid}/`;

  /** Resolves a relative API path; anything else is refused before a request is made. */
  const apiUrl = (pathAndQuery: string): URL => {
    if (!pathAndQuery.startsWith(accountPath) || pathAndQuery.includes('//')) {
      throw new UnsafePageUriError('next_page_uri leaves the account: not followed');
    }
    const url = new URL(`${basePath}${pathAndQuery}`, base.origin);
    if (url.origin !== base.origin || !url.pathname.startsWith(`${basePath}${accountPath}`)) {
      throw new UnsafePageUriError('next_page_uri leaves the account: not followed');
    }
    return url;
  };

  const getOnce = async (
    url: URL,
    signal?: AbortSignal,
    notFound?: Record<string, unknown>,
  ): Promise<Record<string, unknown>> => {
    let response: Response;
    try {
      response = await fetchImpl(url, jsonGetInit(authorization, withTimeout(timeoutMs, signal)));
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new Retryable(
        new TwilioUnavailableError(`Twilio list request failed: ${describeRequestFailure(error)}`, {
          cause: error,
        }),
      );
    }
    const { status } = response;
    if (status === 200)
      return readJsonBody(response, 'Twilio sent an unreadable list page', signal);
    await response.body?.cancel().catch(() => undefined);
    if (status === 404 && notFound) return notFound;
    if (status === 429) throw throttled('Twilio throttled a list request (429)', response);
    if (status >= 500) {
      throw new Retryable(
        new TwilioUnavailableError(`Twilio answered ${status} to a list request`),
      );
    }
    if (status === 401 || status === 403) {
      throw new TwilioAuthError(`Twilio refused the credentials (${status}): check them`);
    }
    throw new TwilioListError(`Twilio answered ${status} to ${url.pathname}`);
  };

  const get = (url: URL, signal?: AbortSignal): Promise<Record<string, unknown>> =>
    retrying(() => getOnce(url, signal), { ...http.retrying, signal });

  const nextOf = (body: Record<string, unknown>): string | null => {
    const next = body.next_page_uri;
    if (typeof next !== 'string' || next === '') return null;
    apiUrl(next);
    return next;
  };

  const GONE: Record<string, unknown> = {};

  return {
    async getMessage(messageSid, signal): Promise<CatalogMessage | undefined> {
      if (!isMessageSid(messageSid)) throw new TwilioListError('malformed message SID');
      const url = apiUrl(`${accountPath}Messages/${messageSid}.json`);
      const body = await retrying(() => getOnce(url, signal, GONE), { ...http.retrying, signal });
      if (body === GONE) return undefined;
      const message = toMessage(body, options);
      if (message?.sid !== messageSid) {
        throw new TwilioListError(`Twilio answered an unreadable message for ${messageSid}`);
      }
      return message;
    },

    async listMessages(query, signal): Promise<MessagePage> {
      let url: URL;
      if ('pageUri' in query) {
        url = apiUrl(query.pageUri);
      } else {
        const params = new URLSearchParams();
        if (query.day !== undefined) params.set('DateSent', query.day);
        params.set('PageSize', String(Math.min(Math.max(query.pageSize, 1), 1000)));
        url = apiUrl(`${accountPath}Messages.json?${params.toString()}`);
      }
      const body = await get(url, signal);
      const list = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
      return {
        messages: list.flatMap((raw) => {
          const message = toMessage(raw, options);
          return message ? [message] : [];
        }),
        nextPageUri: nextOf(body),
      };
    },

    async listMedia(messageSid, signal): Promise<CatalogMedia[]> {
      if (!isMessageSid(messageSid)) throw new TwilioListError('malformed message SID');
      const media: CatalogMedia[] = [];
      let next: string | null =
        `${accountPath}Messages/${messageSid}/Media.json?PageSize=${MEDIA_PAGE_SIZE}`;
      const read = new Set<string>();
      while (next !== null) {
        if (read.has(next)) {
          throw new RepeatedPageError(
            `Twilio's next_page_uri repeats a media page of ${messageSid} already read`,
          );
        }
        read.add(next);
        const body = await get(apiUrl(next), signal);
        const list = Array.isArray(body.media_list)
          ? (body.media_list as Record<string, unknown>[])
          : [];
        for (const raw of list) {
          if (isMediaSid(raw.sid)) {
            media.push({ sid: raw.sid, contentType: contentTypeEssence(raw.content_type) });
          }
        }
        next = nextOf(body);
      }
      return media;
    },
  };
};
