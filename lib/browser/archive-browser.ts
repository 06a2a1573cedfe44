import type { IncomingMessage, ServerResponse } from 'node:http';
import pLimit from 'p-limit';
import { previewFor } from '../domain/media-policy.ts';
import { isMediaSid, isMessageSid } from '../domain/sids.ts';
import { type Day, dayOf, isDay } from '../domain/utc-day.ts';
import type { ArchiveReader } from '../ports/archive-reader.ts';
import { findMediaBySid, MEDIA_SEARCH_DAYS, searchDays } from '../use-cases/find-media.ts';
import { daysOfMonth, isMonth, type Month, monthOf, shiftMonth } from './calendar.ts';
import { isLocalRequest, redirect, sendHtml, sendText } from './http.ts';
import { checkEntries } from './media-checks.ts';
import { inMessageOrder } from './media-order.ts';
import { serveMedia } from './media-route.ts';
import { createPaths, type Paths } from './paths.ts';
import { STYLESHEET } from './style.ts';
import { serveThumbnail } from './thumbnail-route.ts';
import type { Thumbnailer } from './thumbnails.ts';
import { type DayCount, renderCalendar } from './views/calendar-view.ts';
import { renderAccountChoice, renderDay } from './views/day-view.ts';
import { renderMessage } from './views/message-view.ts';
import { renderNotice } from './views/notice-view.ts';
import { renderMediaNotFound } from './views/search-view.ts';
import { serveMessageZip } from './zip-route.ts';

/** What the browser reads: the CLI's archive reader (listings, HEADs, conditional GETs). */
export type BrowserReader = Pick<
  ArchiveReader,
  | 'accounts'
  | 'listDayPage'
  | 'findMessage'
  | 'findMedia'
  | 'describe'
  | 'openConditional'
  | 'messageRecordOf'
>;

export interface ArchiveBrowserOptions {
  reader: BrowserReader;
  /** ARCHIVE_PREFIX: media URLs carry the key without it. */
  prefix: string;
  /** Where the browser is mounted; default `/archive`. */
  basePath?: string;
  now?: () => Date;
  /** Host names besides the loopback ones the browser answers to (`serve --host`). */
  allowedHosts?: readonly string[];
  /** Days listed, newest first, to find a bare media SID (default 31, as `media-archive get`). */
  searchDays?: number;
  /** Media per day page (default 120). */
  pageSize?: number;
  /** Failures answered with 502 (S3 unreachable, access denied); no secrets in them. */
  onError?: (error: unknown) => void;
  /** One line for the 502 page; default: the error's name only. */
  describeError?: (error: unknown) => string;
  /** Makes the tiles' thumbnails; without it tiles show the media themselves. */
  thumbnails?: Thumbnailer;
  /**
   * The message’s text from elsewhere than its record; without this hook the page shows the
   * record's body (kept only with ARCHIVE_MESSAGE_BODY=true). `undefined`: "not archived".
   */
  messageText?: (message: {
    accountSid: string;
    day: Day;
    messageSid: string;
  }) => Promise<string | undefined>;
}

export type ArchiveBrowser = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Listings and HEADs in flight at once for one page. */
const CONCURRENCY = 8;
/** One listing page per day for the calendar: a count, "1000+" beyond. */
const CALENDAR_MAX_KEYS = 1000;
const MAX_TOKEN_LENGTH = 2048;

class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** A read-only web view of the archive: `(req, res)` for node:http or the local stack's raw routes. */
export const createArchiveBrowser = (options: ArchiveBrowserOptions): ArchiveBrowser => {
  const { reader } = options;
  const base = (options.basePath ?? '/archive').replace(/\/+$/, '');
  const paths: Paths = createPaths(base, options.prefix, {
    thumbnails: options.thumbnails !== undefined,
  });
  const now = options.now ?? (() => new Date());
  const searchDayCount = options.searchDays ?? MEDIA_SEARCH_DAYS;
  const pageSize = options.pageSize ?? 120;
  const allowedHosts = (options.allowedHosts ?? []).map((host) => host.toLowerCase());

  const calendar = async (url: URL, res: ServerResponse) => {
    const today = dayOf(now());
    const requested = url.searchParams.get('month');
    if (requested !== null && !isMonth(requested)) {
      throw new BadRequestError('The month must look like 2026-11.');
    }
    const month: Month = requested ?? monthOf(today);
    const days = daysOfMonth(month).filter((day) => day <= today);
    const accounts = days.length > 0 ? await reader.accounts() : [];
    const limit = pLimit(CONCURRENCY);
    const counts: DayCount[] = await Promise.all(
      days.map(async (day) => {
        const pages = await Promise.all(
          accounts.map((account) =>
            limit(() => reader.listDayPage(account, day, { maxKeys: CALENDAR_MAX_KEYS })),
          ),
        );
        return {
          day,
          count: pages.reduce((sum, page) => sum + page.entries.length, 0),
          bytes: pages.reduce(
            (sum, page) => sum + page.entries.reduce((total, entry) => total + entry.size, 0),
            0,
          ),
          more: pages.some((page) => page.nextToken !== undefined),
        };
      }),
    );
    const newer = shiftMonth(month, 1);
    sendHtml(
      res,
      200,
      renderCalendar(
        {
          month,
          today,
          counts,
          older: shiftMonth(month, -1),
          newer: newer <= monthOf(today) ? newer : undefined,
        },
        paths,
      ),
    );
  };

  const day = async (dayText: string, url: URL, res: ServerResponse) => {
    if (!isDay(dayText)) throw new NotFoundError('There is no such day.');
    const accounts = await reader.accounts();
    const requested = url.searchParams.get('account');
    if (requested !== null && !accounts.includes(requested)) {
      throw new NotFoundError('This archive holds no such account.');
    }
    if (requested === null && accounts.length > 1) {
      return sendHtml(res, 200, renderAccountChoice(dayText, accounts, paths));
    }
    const accountSid = requested ?? accounts[0];
    const token = url.searchParams.get('page') ?? undefined;
    if (token !== undefined && token.length > MAX_TOKEN_LENGTH) {
      throw new BadRequestError('The page token is too long.');
    }
    const page = accountSid
      ? await reader.listDayPage(accountSid, dayText, {
          maxKeys: pageSize,
          ...(token ? { continuationToken: token } : {}),
        })
      : { entries: [], nextToken: undefined };
    const checks = await checkEntries(reader, page.entries, CONCURRENCY);
    sendHtml(
      res,
      200,
      renderDay(
        {
          day: dayText,
          accountSid: accountSid ?? '',
          showAccount: accounts.length > 1,
          accounts,
          entries: page.entries,
          nextToken: page.nextToken,
          continued: token !== undefined,
          verdicts: new Map(checks.media.map((item) => [item.entry.key, item.verdict])),
          records: checks.records,
          recordVerdicts: checks.recordVerdicts,
        },
        paths,
      ),
    );
  };

  const messageEntries = async (messageSid: string, url: URL) => {
    if (!isMessageSid(messageSid)) throw new NotFoundError('That is not a message SID.');
    const dayParam = url.searchParams.get('day');
    const dayHint = dayParam !== null && isDay(dayParam) ? dayParam : undefined;
    const entries = await reader.findMessage(messageSid, dayHint);
    if (entries.length === 0) {
      throw new NotFoundError(`Message ${messageSid} is not in the archive.`);
    }
    return entries;
  };

  const message = async (messageSid: string, url: URL, res: ServerResponse) => {
    const entries = await messageEntries(messageSid, url);
    const first = entries[0] as (typeof entries)[number];
    // The record is a supplement: the page still shows the media when it cannot be read, and says so.
    const checks = await checkEntries(reader, entries, CONCURRENCY);
    const recordKey = checks.records.keys().next().value;
    const recordState = recordKey === undefined ? undefined : checks.records.get(recordKey);
    const recordVerdict =
      recordKey === undefined ? undefined : checks.recordVerdicts.get(recordKey);
    const record = recordState?.state === 'found' ? recordState.record : undefined;
    const text = options.messageText
      ? await options.messageText({ accountSid: first.accountSid, day: first.day, messageSid })
      : undefined;
    sendHtml(
      res,
      200,
      renderMessage(
        {
          messageSid,
          media: inMessageOrder(checks.media, (item) => item.entry.mediaSid, record),
          text,
          ...(record ? { record } : {}),
          ...(recordState ? { recordState } : {}),
          ...(recordVerdict ? { recordVerdict } : {}),
        },
        paths,
      ),
    );
  };

  const search = async (url: URL, res: ServerResponse) => {
    const q = (url.searchParams.get('q') ?? '').trim();
    const dateParam = url.searchParams.get('date');
    const date = dateParam && isDay(dateParam) ? dateParam : undefined;
    if (isMessageSid(q)) {
      const entries = await reader.findMessage(q, date);
      if (entries.length === 0) {
        return sendHtml(
          res,
          404,
          renderNotice('Message not found', `Message ${q} is not in the archive.`, paths, q),
        );
      }
      return redirect(res, 303, paths.message(q, entries[0]?.day));
    }
    if (isMediaSid(q)) {
      const today = dayOf(now());
      const days: Day[] = date ? [date] : searchDays(today, searchDayCount);
      const found = await findMediaBySid(reader, q, { days });
      if (!found) {
        const searched = date ? { day: date } : { first: days.at(-1) as Day, last: today };
        return sendHtml(res, 404, renderMediaNotFound(q, searched, paths));
      }
      return redirect(res, 303, `${paths.message(found.messageSid, found.day)}#${found.mediaSid}`);
    }
    sendHtml(
      res,
      400,
      renderNotice(
        'Not a SID',
        'Search for a message SID (MM… or SM…) or a media SID (ME…), 34 characters.',
        paths,
        q,
      ),
    );
  };

  const media = async (req: IncomingMessage, res: ServerResponse, rest: string) => {
    const parts = paths.keyOfMediaPath(rest);
    if (!parts) return sendText(res, 404, 'not a media of the archive\n');
    if (!(await reader.accounts()).includes(parts.accountSid)) {
      return sendText(res, 404, 'not a media of the archive\n');
    }
    await serveMedia(req, res, reader, parts.key, parts.contentType);
  };

  const thumbnail = async (
    req: IncomingMessage,
    res: ServerResponse,
    thumbnailer: Thumbnailer,
    rest: string,
  ) => {
    const parts = paths.keyOfMediaPath(rest);
    if (!parts || previewFor(parts.contentType) !== 'image') {
      return sendText(res, 404, 'no thumbnail for this path\n');
    }
    if (!(await reader.accounts()).includes(parts.accountSid)) {
      return sendText(res, 404, 'not a media of the archive\n');
    }
    await serveThumbnail(req, res, reader, thumbnailer, parts.key);
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const rest = url.pathname.slice(base.length);
    if (rest === '') return redirect(res, 301, `${base}/${url.search}`);
    if (rest === '/') return calendar(url, res);
    if (rest === '/style.css') {
      res.writeHead(200, {
        'content-type': 'text/css; charset=utf-8',
        'x-content-type-options': 'nosniff',
        'cache-control': 'public, max-age=300',
      });
      return void res.end(STYLESHEET);
    }
    if (rest === '/search') return search(url, res);
    if (rest.startsWith('/media/')) return media(req, res, rest.slice('/media/'.length));
    if (rest.startsWith('/thumb/') && options.thumbnails) {
      return thumbnail(req, res, options.thumbnails, rest.slice('/thumb/'.length));
    }
    const [, kind, id, extra] = rest.split('/');
    if (extra === undefined && id) {
      if (kind === 'day') return day(id, url, res);
      if (kind === 'message') return message(id, url, res);
      if (kind === 'zip' && id.endsWith('.zip')) {
        const messageSid = id.slice(0, -'.zip'.length);
        return serveMessageZip(res, reader, messageSid, await messageEntries(messageSid, url));
      }
    }
    throw new NotFoundError('There is no such page.');
  };

  return async (req, res) => {
    try {
      if (!isLocalRequest(req, allowedHosts)) {
        return sendText(res, 403, 'the archive browser answers only on this machine\n');
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendText(res, 405, 'read-only: GET and HEAD only\n', { allow: 'GET, HEAD' });
      }
      const url = new URL(req.url ?? '/', 'http://archive.invalid');
      if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) {
        throw new NotFoundError('There is no such page.');
      }
      await route(req, res, url);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      if (error instanceof NotFoundError) {
        return sendHtml(res, 404, renderNotice('Not found', error.message, paths));
      }
      if (error instanceof BadRequestError) {
        return sendHtml(res, 400, renderNotice('Bad request', error.message, paths));
      }
      options.onError?.(error);
      const reason =
        options.describeError?.(error) ?? (error as { name?: string } | undefined)?.name ?? 'Error';
      sendHtml(
        res,
        502,
        renderNotice('Archive unavailable', `The archive could not be read: ${reason}.`, paths),
      );
    }
  };
};
