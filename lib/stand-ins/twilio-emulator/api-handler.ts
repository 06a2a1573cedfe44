import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context.ts';
import { parseDateFilter } from './date-filter.ts';
import { drawFault } from './faults.ts';
import {
  delay,
  parseBasicAuth,
  resetConnection,
  sameSecret,
  sendJson,
  sendXmlError,
} from './http-util.ts';
import { phoneNumberJson } from './inbound-config.ts';
import { InvalidQueryError, paginate, parsePageRequest } from './paging.ts';
import { mediaJson, messageJson, notFound, rfc2822, twilioError } from './representations.ts';
import { SEED_PATH, SeedTooLargeError, seedFromRequest } from './seed-handler.ts';
import { randomSid } from './sids.ts';
import { isInFlight, type MessageRecord, SeedError } from './store.ts';
import type { RequestLogEntry } from './types.ts';

type LogFields = Omit<RequestLogEntry, 'seq' | 'at' | 'status'>;

const ACCOUNT_PATH = /^\/2010-04-01\/Accounts\/([^/]+)(\/.*)$/;
const ACCOUNTS_LIST = /^\/2010-04-01\/Accounts\.json$/;
const ACCOUNT = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\.json$/;
const MESSAGES_LIST = /^\/Messages\.json$/;
const MESSAGE = /^\/Messages\/([^/]+)\.json$/;
const MEDIA_LIST = /^\/Messages\/([^/]+)\/Media\.json$/;
const MEDIA = /^\/Messages\/([^/]+)\/Media\/([^/.]+)(\.json)?$/;
const NUMBERS_LIST = /^\/IncomingPhoneNumbers\.json$/;

/** Whose credential this is: the main account's (token or API key) or a subaccount's token. */
export const identify = (
  ctx: EmulatorContext,
  header: string | undefined,
): { username: string; accountSid: string } | undefined => {
  const credentials = parseBasicAuth(header);
  if (!credentials) return undefined;
  const { username, password } = credentials;
  if (username === ctx.accountSid && sameSecret(password, ctx.authToken)) {
    return { username, accountSid: ctx.accountSid };
  }
  if (username === ctx.apiKey.sid && sameSecret(password, ctx.apiKey.secret)) {
    return { username, accountSid: ctx.accountSid };
  }
  const sub = ctx.subaccounts.find((account) => account.sid === username);
  if (sub && sameSecret(password, sub.authToken)) return { username, accountSid: sub.sid };
  return undefined;
};

/**
 * The username of a credential valid on `accountSid`'s paths: the main account's reach every
 * subaccount's, a subaccount's only its own.
 */
export const authenticate = (
  ctx: EmulatorContext,
  header: string | undefined,
  accountSid: string = ctx.accountSid,
): string | undefined => {
  const identity = identify(ctx, header);
  if (!identity) return undefined;
  if (identity.accountSid === accountSid || identity.accountSid === ctx.accountSid) {
    return identity.username;
  }
  return undefined;
};

const accountJson = (
  ctx: EmulatorContext,
  account: {
    sid: string;
    authToken: string;
    status: string;
    friendlyName: string;
    dateCreated: Date;
    dateUpdated: Date;
  },
) => ({
  sid: account.sid,
  owner_account_sid: ctx.accountSid,
  auth_token: account.authToken,
  status: account.status,
  friendly_name: account.friendlyName,
  type: 'Full',
  date_created: rfc2822(account.dateCreated),
  date_updated: rfc2822(account.dateUpdated),
  subresource_uris: Object.fromEntries(
    ACCOUNT_SUBRESOURCES.map((name) => [
      name,
      `/2010-04-01/Accounts/${account.sid}/${SUBRESOURCE_PATHS[name] ?? name}.json`,
    ]),
  ),
  uri: `/2010-04-01/Accounts/${account.sid}.json`,
});

/** An account's `subresource_uris` keys as Twilio lists them (paths CamelCase). */
const ACCOUNT_SUBRESOURCES = [
  'addresses',
  'applications',
  'available_phone_numbers',
  'balance',
  'calls',
  'incoming_phone_numbers',
  'keys',
  'messages',
  'outgoing_caller_ids',
  'queues',
  'recordings',
  'short_codes',
  'signing_keys',
  'usage',
];
const SUBRESOURCE_PATHS: Record<string, string> = {
  addresses: 'Addresses',
  applications: 'Applications',
  available_phone_numbers: 'AvailablePhoneNumbers',
  balance: 'Balance',
  calls: 'Calls',
  incoming_phone_numbers: 'IncomingPhoneNumbers',
  keys: 'Keys',
  messages: 'Messages',
  outgoing_caller_ids: 'OutgoingCallerIds',
  queues: 'Queues',
  recordings: 'Recordings',
  short_codes: 'SMS/ShortCodes',
  signing_keys: 'SigningKeys',
  usage: 'Usage',
};

const mainAccount = (ctx: EmulatorContext) => ({
  sid: ctx.accountSid,
  authToken: ctx.authToken,
  status: 'active',
  friendlyName: 'Main account',
  dateCreated: ctx.createdAt,
  dateUpdated: ctx.createdAt,
});

/** A path's account: the main one or a subaccount; `undefined` for any other SID. */
const accountOfPath = (ctx: EmulatorContext, sid: string | undefined): string | undefined =>
  sid === ctx.accountSid || ctx.subaccounts.some((account) => account.sid === sid)
    ? sid
    : undefined;

export const createApiHandler = (ctx: EmulatorContext) => {
  const handle = apiHandler(ctx);
  /** Counts the request against its account's concurrency from arrival to answer, as Twilio does. */
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://api.local');
    const account = ACCOUNT_PATH.exec(url.pathname)?.[1] ?? ctx.accountSid;
    const inFlight = (ctx.inFlight.get(account) ?? 0) + 1;
    ctx.inFlight.set(account, inFlight);
    try {
      const limit = ctx.faults.concurrencyLimit ?? 0;
      await handle(req, res, limit > 0 && inFlight > limit);
    } finally {
      ctx.inFlight.set(account, (ctx.inFlight.get(account) ?? 1) - 1);
    }
  };
};

const apiHandler =
  (ctx: EmulatorContext) =>
  async (req: IncomingMessage, res: ServerResponse, overLimit: boolean): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://api.local');
    // Seeding reads its own JSON body once authenticated; of the rest only a redaction (POST of a
    // Message) has a body the emulator reads.
    const seeding = url.pathname === SEED_PATH && req.method === 'POST' && ctx.seed !== undefined;
    let form: URLSearchParams | undefined;
    if (!seeding) {
      if (req.method === 'POST') form = await readForm(req);
      else req.resume();
    }
    const fields: LogFields = {
      origin: 'api',
      method: req.method ?? 'GET',
      path: url.pathname,
      hadAuthorization: req.headers.authorization !== undefined,
    };
    const mediaSid = /\/Media\/(ME[0-9a-fA-F]{32})/.exec(url.pathname)?.[1];
    if (mediaSid) fields.mediaSid = mediaSid;
    const answer: Answer = (status, body, headers) => {
      const entry = ctx.log({ ...fields, status });
      const allHeaders = { 'Twilio-Request-Id': randomSid('RQ'), ...headers };
      if (body === undefined) {
        res.writeHead(status, { 'Content-Length': '0', ...allHeaders });
        res.end();
      } else if (status >= 400 && !url.pathname.endsWith('.json') && url.pathname !== SEED_PATH) {
        sendXmlError(res, status, body as Record<string, unknown>, allHeaders);
      } else {
        sendJson(res, status, body, allHeaders);
      }
      return entry;
    };

    await delay(ctx.latency.apiMs);

    const pathAccount =
      ACCOUNT.exec(url.pathname)?.[1] ?? ACCOUNT_PATH.exec(url.pathname)?.[1] ?? ctx.accountSid;
    const authorizedAs = ACCOUNTS_LIST.test(url.pathname)
      ? identify(ctx, req.headers.authorization)?.username
      : authenticate(ctx, req.headers.authorization, pathAccount);
    if (!authorizedAs) {
      answer(401, twilioError(401, 20003, 'Authenticate'), {
        'WWW-Authenticate': 'Basic realm="Twilio API"',
      });
      return;
    }
    fields.authorizedAs = authorizedAs;

    // Before the fault draw: seeding is the test harness, not the Twilio API under test.
    if (seeding && ctx.seed) {
      try {
        answer(201, await seedFromRequest(req, ctx.seed));
      } catch (error) {
        if (error instanceof SeedTooLargeError) answer(413, twilioError(413, 21617, error.message));
        else if (error instanceof SeedError) answer(400, twilioError(400, 20001, error.message));
        else throw error;
      }
      return;
    }

    const fault = overLimit ? { kind: 'throttle' as const } : drawFault(ctx.random, ctx.faults);
    if (fault?.kind === 'throttle') {
      fields.fault = 'throttle';
      answer(429, twilioError(429, 20429, 'Too Many Requests'), { 'Retry-After': '1' });
      return;
    }
    if (fault?.kind === 'server-error') {
      fields.fault = 'server-error';
      const status = fault.status ?? 500;
      const message = status === 503 ? 'Service Unavailable' : 'Internal Server Error';
      answer(status, twilioError(status, status === 503 ? 20503 : 20500, message));
      return;
    }
    if (fault?.kind === 'reset') {
      fields.fault = 'reset';
      ctx.log({ ...fields, status: 0 });
      resetConnection(req);
      return;
    }

    try {
      if (ACCOUNTS_LIST.test(url.pathname) || ACCOUNT.test(url.pathname)) {
        routeAccounts(ctx, req.method ?? 'GET', url, authorizedAs, answer);
        return;
      }
      const scoped = ACCOUNT_PATH.exec(url.pathname);
      const account = accountOfPath(ctx, scoped?.[1]);
      if (!scoped?.[2] || !account) {
        answer(404, notFound(url.pathname));
        return;
      }
      route(ctx, account, req.method ?? 'GET', scoped[2], url, fields, answer, form);
    } catch (error) {
      if (!(error instanceof InvalidQueryError)) throw error;
      answer(400, twilioError(400, 20001, error.message));
    }
  };

const readForm = async (req: IncomingMessage): Promise<URLSearchParams> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
};

/**
 * Twilio's Message update: `Body=` on a finished message blanks it (redaction); `Status=canceled`
 * cancels a scheduled one. Anything else is not emulated.
 */
const redact = (
  accountSid: string,
  message: MessageRecord,
  form: URLSearchParams | undefined,
  answer: Answer,
): RequestLogEntry => {
  const keys = [...(form?.keys() ?? [])];
  if (keys.length === 1 && form?.get('Status') === 'canceled') {
    if (message.status !== 'scheduled') {
      return answer(400, twilioError(400, 20001, 'Only a scheduled message can be canceled'));
    }
    message.status = 'canceled';
    message.dateUpdated = new Date();
    return answer(200, messageJson(accountSid, message));
  }
  if (form?.get('Body') !== '' || keys.length !== 1) {
    return answer(
      400,
      twilioError(400, 20001, 'Only Body= (redaction) and Status=canceled are emulated'),
    );
  }
  if (isInFlight(message) || message.status === 'receiving') {
    return answer(400, twilioError(400, 20009, 'Cannot redact this message before it is complete'));
  }
  message.body = '';
  message.dateUpdated = new Date();
  return answer(200, messageJson(accountSid, message));
};

/** Logs (taking the next seq) and sends; `undefined` body = empty answer. */
type Answer = (status: number, body?: unknown, headers?: Record<string, string>) => RequestLogEntry;

/** Accounts.json (the caller's own account and, for the main, its subaccounts) and one account. */
const routeAccounts = (
  ctx: EmulatorContext,
  method: string,
  url: URL,
  authorizedAs: string,
  answer: Answer,
): RequestLogEntry => {
  if (method !== 'GET') return answer(405, twilioError(405, 20004, 'Method not allowed'));
  const asMain = authorizedAs === ctx.accountSid || authorizedAs === ctx.apiKey.sid;
  const all = [mainAccount(ctx), ...ctx.subaccounts];
  const one = ACCOUNT.exec(url.pathname)?.[1];
  if (one !== undefined) {
    const account = all.find((candidate) => candidate.sid === one);
    if (!account) return answer(404, notFound(url.pathname));
    return answer(200, accountJson(ctx, account));
  }
  const visible = asMain ? all : all.filter((account) => account.sid === authorizedAs);
  const status = url.searchParams.get('Status');
  const carried = new URLSearchParams();
  if (status !== null) carried.set('Status', status);
  const page = paginate(
    visible,
    (account) => status === null || account.status === status,
    parsePageRequest(url.searchParams),
    '/2010-04-01/Accounts.json',
    carried,
    `${url.pathname}${url.search}`,
  );
  return answer(200, { ...page.meta, accounts: page.items.map((a) => accountJson(ctx, a)) });
};

const route = (
  ctx: EmulatorContext,
  accountSid: string,
  method: string,
  rest: string,
  url: URL,
  fields: LogFields,
  answer: Answer,
  form?: URLSearchParams,
): RequestLogEntry => {
  const basePath = `/2010-04-01/Accounts/${accountSid}`;
  const own = (message: MessageRecord | undefined) =>
    message?.accountSid === accountSid ? message : undefined;
  const requestUri = `${url.pathname}${url.search}`;
  const notAllowed = () => answer(405, twilioError(405, 20004, 'Method not allowed'));

  if (NUMBERS_LIST.test(rest)) {
    if (method !== 'GET') return notAllowed();
    const page = paginate(
      ctx.phoneNumbers,
      (n) => (n.accountSid ?? ctx.accountSid) === accountSid,
      parsePageRequest(url.searchParams),
      `${basePath}/IncomingPhoneNumbers.json`,
      new URLSearchParams(),
      requestUri,
    );
    return answer(200, {
      ...page.meta,
      incoming_phone_numbers: page.items.map((n) => phoneNumberJson(accountSid, n)),
    });
  }

  if (MESSAGES_LIST.test(rest)) {
    if (method !== 'GET') return notAllowed();
    const dateSent = parseDateFilter(url.searchParams, 'DateSent');
    const to = url.searchParams.get('To');
    const from = url.searchParams.get('From');
    const carried = new URLSearchParams(dateSent.carried);
    if (to !== null) carried.set('To', to);
    if (from !== null) carried.set('From', from);
    const page = paginate(
      ctx.store.messagesNewestFirst(),
      (m) =>
        m.accountSid === accountSid &&
        // A date filter never lists a message without a date_sent.
        (dateSent.carried.length === 0 || (m.dateSent !== null && dateSent.matches(m.dateSent))) &&
        (to === null || m.to === to) &&
        (from === null || m.from === from),
      parsePageRequest(url.searchParams),
      `${basePath}/Messages.json`,
      carried,
      requestUri,
    );
    return answer(200, {
      ...page.meta,
      messages: page.items.map((m) => messageJson(accountSid, m)),
    });
  }

  const mediaList = MEDIA_LIST.exec(rest);
  if (mediaList?.[1]) {
    if (method !== 'GET') return notAllowed();
    const message = own(ctx.store.message(mediaList[1]));
    if (!message) return answer(404, notFound(url.pathname));
    const dateCreated = parseDateFilter(url.searchParams, 'DateCreated');
    const page = paginate(
      message.media,
      (m) => m.deleted === undefined && dateCreated.matches(m.dateCreated),
      parsePageRequest(url.searchParams),
      `${basePath}/Messages/${message.sid}/Media.json`,
      new URLSearchParams(dateCreated.carried),
      requestUri,
    );
    return answer(200, {
      ...page.meta,
      media_list: page.items.map((m) => mediaJson(accountSid, m)),
    });
  }

  const messageMatch = MESSAGE.exec(rest);
  if (messageMatch?.[1]) {
    if (method !== 'GET' && method !== 'POST') return notAllowed();
    const message = own(ctx.store.message(messageMatch[1]));
    if (!message) return answer(404, notFound(url.pathname));
    if (method === 'POST') return redact(accountSid, message, form, answer);
    return answer(200, messageJson(accountSid, message));
  }

  const mediaMatch = MEDIA.exec(rest);
  if (mediaMatch?.[1] && mediaMatch[2]) {
    const media = ctx.store.media(mediaMatch[2]);
    const message = own(ctx.store.message(mediaMatch[1]));
    if (!media || !message || media.messageSid !== message.sid || media.deleted) {
      return answer(404, notFound(url.pathname));
    }
    if (method === 'DELETE') {
      const refusedFor = ctx.faults.deleteRefusedForMs ?? 0;
      if (isInFlight(message) || Date.now() - media.seededAtMs < refusedFor) {
        return answer(
          400,
          twilioError(400, 20009, 'Cannot delete this resource before it is complete'),
        );
      }
      const entry = answer(204);
      media.deleted = { at: entry.at, seq: entry.seq };
      return entry;
    }
    if (method !== 'GET') return notAllowed();
    if (Date.now() - media.seededAtMs < ctx.faults.transientNotFoundMs) {
      fields.fault = 'transient-404';
      return answer(404, notFound(url.pathname));
    }
    if (mediaMatch[3]) return answer(200, mediaJson(accountSid, media));
    const location = `${ctx.cdnBaseUrl}${ctx.signer.sign(`/v1/${media.cdnKey}/${media.sid}`, Date.now())}`;
    return answer(307, undefined, { Location: location });
  }

  return answer(404, notFound(url.pathname));
};
