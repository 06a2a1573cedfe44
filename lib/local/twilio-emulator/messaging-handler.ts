import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from './api-handler.ts';
import type { EmulatorContext } from './context.ts';
import { delay, sendJson } from './http-util.ts';
import { messagingServiceJson } from './inbound-config.ts';
import { InvalidQueryError, paginate, parsePageRequest } from './paging.ts';
import { notFound, twilioError } from './representations.ts';
import { randomSid } from './sids.ts';

/**
 * The messaging v1 origin's Services list. v1 lists page like the 2010 API but put the paging in
 * `meta` with absolute `*_page_url`s, so the 2010 paginator's URIs are re-based here.
 */
export const createMessagingHandler =
  (ctx: EmulatorContext) =>
  async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://messaging.local');
    const method = req.method ?? 'GET';
    const send = (status: number, body: unknown, authorizedAs?: string) => {
      ctx.log({
        origin: 'messaging',
        method,
        path: url.pathname,
        hadAuthorization: req.headers.authorization !== undefined,
        ...(authorizedAs ? { authorizedAs } : {}),
        status,
      });
      sendJson(res, status, body, { 'Twilio-Request-Id': randomSid('RQ') });
    };
    await delay(ctx.latency.apiMs);
    const authorizedAs = authenticate(ctx, req.headers.authorization);
    if (!authorizedAs) {
      send(401, twilioError(401, 20003, 'Authenticate'));
      return;
    }
    if (url.pathname !== '/v1/Services') {
      send(404, notFound(url.pathname), authorizedAs);
      return;
    }
    if (method !== 'GET') {
      send(405, twilioError(405, 20004, 'Method not allowed'), authorizedAs);
      return;
    }
    let page: ReturnType<typeof paginate<(typeof ctx.messagingServices)[number]>>;
    try {
      page = paginate(
        ctx.messagingServices,
        () => true,
        parsePageRequest(url.searchParams),
        '/v1/Services',
        new URLSearchParams(),
        `${url.pathname}${url.search}`,
      );
    } catch (error) {
      if (!(error instanceof InvalidQueryError)) throw error;
      send(400, twilioError(400, 20001, error.message), authorizedAs);
      return;
    }
    const absolute = (uri: string | null) =>
      uri === null ? null : `${ctx.messagingBaseUrl}${uri}`;
    send(
      200,
      {
        services: page.items.map((s) =>
          messagingServiceJson(ctx.accountSid, ctx.messagingBaseUrl, s),
        ),
        meta: {
          page: page.meta.page,
          page_size: page.meta.page_size,
          first_page_url: absolute(page.meta.first_page_uri),
          previous_page_url: absolute(page.meta.previous_page_uri),
          url: absolute(page.meta.uri),
          next_page_url: absolute(page.meta.next_page_uri),
          key: 'services',
        },
      },
      authorizedAs,
    );
  };
