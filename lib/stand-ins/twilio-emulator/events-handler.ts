import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { identify } from './api-handler.ts';
import type { EmulatorContext } from './context.ts';
import {
  KNOWN_EVENT_TYPES,
  sinkJson,
  subscribedEventJson,
  subscriptionJson,
  testEvent,
} from './event-streams.ts';
import { drawFault } from './faults.ts';
import { delay, resetConnection, sendJson } from './http-util.ts';
import { InvalidQueryError, paginate, parsePageRequest } from './paging.ts';
import { notFound, twilioError } from './representations.ts';
import { randomSid } from './sids.ts';
import type { SinkRecord } from './types.ts';

const SINKS = /^\/v1\/Sinks$/;
const SINK = /^\/v1\/Sinks\/(DG[0-9a-fA-F]{32})$/;
const SINK_TEST = /^\/v1\/Sinks\/(DG[0-9a-fA-F]{32})\/Test$/;
const SINK_VALIDATE = /^\/v1\/Sinks\/(DG[0-9a-fA-F]{32})\/Validate$/;
const SUBSCRIPTIONS = /^\/v1\/Subscriptions$/;
const SUBSCRIPTION = /^\/v1\/Subscriptions\/(DF[0-9a-fA-F]{32})$/;
const SUBSCRIBED_EVENTS = /^\/v1\/Subscriptions\/(DF[0-9a-fA-F]{32})\/SubscribedEvents$/;

class BadRequestError extends Error {}

const readForm = async (req: IncomingMessage): Promise<URLSearchParams> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
};

const required = (form: URLSearchParams, name: string): string => {
  const value = form.get(name);
  if (value === null || value === '')
    throw new BadRequestError(`Missing required parameter ${name}`);
  return value;
};

const jsonObject = (raw: string, name: string): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BadRequestError(`${name} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError(`${name} must be a JSON object`);
  }
  return parsed as Record<string, unknown>;
};

/** What Twilio documents for each sink type; the emulator refuses the rest (segment, GET). */
const sinkFromForm = (form: URLSearchParams, accountSid: string): SinkRecord => {
  const description = required(form, 'Description');
  const sinkType = required(form, 'SinkType');
  const config = jsonObject(required(form, 'SinkConfiguration'), 'SinkConfiguration');
  const now = new Date();
  const base = { sid: randomSid('DG'), accountSid, description, testId: undefined };
  if (sinkType === 'webhook') {
    const { destination, method, batch_events: batch } = config;
    if (typeof destination !== 'string') throw new BadRequestError('destination is required');
    let url: URL;
    try {
      url = new URL(destination);
    } catch {
      throw new BadRequestError('destination must be a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new BadRequestError('destination must be an http(s) URL');
    }
    if (method !== undefined && String(method).toUpperCase() !== 'POST') {
      throw new BadRequestError('only method POST is emulated');
    }
    if (batch !== undefined && typeof batch !== 'boolean') {
      throw new BadRequestError('batch_events must be a boolean');
    }
    // Twilio: "The status of Webhook Sinks will be active by default."
    return {
      ...base,
      status: 'active',
      dateCreated: now,
      dateUpdated: now,
      sinkType: 'webhook',
      configuration: { destination, method: 'POST', batch_events: batch ?? false },
    };
  }
  if (sinkType === 'kinesis') {
    const { arn, role_arn: roleArn, external_id: externalId } = config;
    if (typeof arn !== 'string' || !/^arn:aws[\w-]*:kinesis:[^:]+:\d{12}:stream\/.+$/.test(arn)) {
      throw new BadRequestError('arn must be a Kinesis stream ARN');
    }
    if (typeof roleArn !== 'string' || !/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(roleArn)) {
      throw new BadRequestError('role_arn must be an IAM role ARN');
    }
    if (typeof externalId !== 'string' || externalId === '') {
      throw new BadRequestError('external_id is required');
    }
    return {
      ...base,
      status: 'initialized',
      dateCreated: now,
      dateUpdated: now,
      sinkType: 'kinesis',
      configuration: { arn, role_arn: roleArn, external_id: externalId },
    };
  }
  throw new BadRequestError(`SinkType ${sinkType} is not emulated (webhook, kinesis)`);
};

/**
 * The events v1 origin (`events.twilio.com`): Sinks with Test/Validate, Subscriptions and their
 * SubscribedEvents. Nothing names an account in these paths: a resource belongs to the account
 * whose credential made it, so a subaccount's sink needs the subaccount's own credential.
 */
export const createEventsHandler =
  (ctx: EmulatorContext) =>
  async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://events.local');
    const method = req.method ?? 'GET';
    let form: URLSearchParams | undefined;
    if (method === 'POST') form = await readForm(req);
    else req.resume();
    let authorizedAs: string | undefined;
    const answer = (status: number, body?: unknown): true => {
      ctx.log({
        origin: 'events',
        method,
        path: url.pathname,
        hadAuthorization: req.headers.authorization !== undefined,
        ...(authorizedAs ? { authorizedAs } : {}),
        status,
      });
      const headers = { 'Twilio-Request-Id': randomSid('RQ') };
      if (body === undefined) res.writeHead(status, { 'Content-Length': '0', ...headers }).end();
      else sendJson(res, status, body, headers);
      return true;
    };
    await delay(ctx.latency.apiMs);
    const identity = identify(ctx, req.headers.authorization);
    if (!identity) {
      answer(401, twilioError(401, 20003, 'Authenticate'));
      return;
    }
    authorizedAs = identity.username;
    const fault = drawFault(ctx.random, ctx.faults);
    if (fault?.kind === 'throttle') {
      answer(429, twilioError(429, 20429, 'Too Many Requests'));
      return;
    }
    if (fault?.kind === 'server-error') {
      answer(fault.status ?? 500, twilioError(fault.status ?? 500, 20500, 'Internal Server Error'));
      return;
    }
    if (fault?.kind === 'reset') {
      resetConnection(req);
      return;
    }
    try {
      route(ctx, identity.accountSid, method, url, form, answer);
    } catch (error) {
      if (error instanceof BadRequestError || error instanceof InvalidQueryError) {
        answer(400, twilioError(400, 20001, error.message));
        return;
      }
      throw error;
    }
  };

/** Sends and logs; `true` so a route can `return answer(…)`. */
type Answer = (status: number, body?: unknown) => true;

const route = (
  ctx: EmulatorContext,
  accountSid: string,
  method: string,
  url: URL,
  form: URLSearchParams | undefined,
  answer: Answer,
): true => {
  const base = ctx.eventsBaseUrl;
  const path = url.pathname;
  const notAllowed = () => answer(405, twilioError(405, 20004, 'Method not allowed'));
  const ownSink = (sid: string | undefined) =>
    ctx.sinks.find((sink) => sink.sid === sid && sink.accountSid === accountSid);
  const ownSubscription = (sid: string | undefined) =>
    ctx.eventSubscriptions.find((s) => s.sid === sid && s.accountSid === accountSid);
  const list = <T extends { sid: string }>(
    items: T[],
    include: (item: T) => boolean,
    carried: URLSearchParams,
    key: string,
    render: (item: T) => unknown,
  ) => {
    const page = paginate(
      items,
      include,
      parsePageRequest(url.searchParams),
      path,
      carried,
      `${path}${url.search}`,
    );
    const absolute = (uri: string | null) => (uri === null ? null : `${base}${uri}`);
    return answer(200, {
      [key]: page.items.map(render),
      meta: {
        page: page.meta.page,
        page_size: page.meta.page_size,
        first_page_url: absolute(page.meta.first_page_uri),
        previous_page_url: absolute(page.meta.previous_page_uri),
        url: absolute(page.meta.uri),
        next_page_url: absolute(page.meta.next_page_uri),
        key,
      },
    });
  };

  if (SINKS.test(path)) {
    if (method === 'POST' && form) {
      const sink = sinkFromForm(form, accountSid);
      ctx.sinks.push(sink);
      return answer(201, sinkJson(base, sink));
    }
    if (method !== 'GET') return notAllowed();
    const status = url.searchParams.get('Status');
    const inUse = url.searchParams.get('InUse');
    const carried = new URLSearchParams();
    if (status !== null) carried.set('Status', status);
    if (inUse !== null) carried.set('InUse', inUse);
    const used = (sink: SinkRecord) => ctx.eventSubscriptions.some((s) => s.sinkSid === sink.sid);
    return list(
      ctx.sinks,
      (sink) =>
        sink.accountSid === accountSid &&
        (status === null || sink.status === status) &&
        (inUse === null || used(sink) === (inUse === 'true')),
      carried,
      'sinks',
      (sink) => sinkJson(base, sink),
    );
  }

  const sinkMatch = SINK.exec(path);
  if (sinkMatch) {
    const sink = ownSink(sinkMatch[1]);
    if (!sink) return answer(404, notFound(path));
    if (method === 'GET') return answer(200, sinkJson(base, sink));
    if (method === 'DELETE') {
      // Twilio documents error 91007 "Sink still in use" (delete its subscriptions first) but
      // not the HTTP status it comes with: 400 here, as for Twilio's other refusals.
      if (ctx.eventSubscriptions.some((s) => s.sinkSid === sink.sid)) {
        return answer(
          400,
          twilioError(400, 91007, 'Sink cannot be deleted because it is still in use'),
        );
      }
      ctx.sinks.splice(ctx.sinks.indexOf(sink), 1);
      return answer(204);
    }
    return notAllowed();
  }

  const testMatch = SINK_TEST.exec(path);
  if (testMatch) {
    if (method !== 'POST') return notAllowed();
    const sink = ownSink(testMatch[1]);
    if (!sink) return answer(404, notFound(path));
    if (sink.sinkType === 'kinesis' && !ctx.events.canPublishToKinesis) {
      throw new BadRequestError('Kinesis delivery is not emulated here (no Kinesis publisher)');
    }
    const testId = randomUUID();
    sink.testId = testId;
    sink.status = 'validating';
    sink.dateUpdated = new Date();
    ctx.events.delivery.sendTest(sink, testEvent(sink, testId, new Date()));
    return answer(201, { result: 'submitted' });
  }

  const validateMatch = SINK_VALIDATE.exec(path);
  if (validateMatch) {
    if (method !== 'POST' || !form) return notAllowed();
    const sink = ownSink(validateMatch[1]);
    if (!sink) return answer(404, notFound(path));
    const testId = required(form, 'TestId');
    if (sink.testId === undefined || testId !== sink.testId) {
      throw new BadRequestError("TestId does not match the Sink's latest test");
    }
    sink.status = 'active';
    sink.dateUpdated = new Date();
    return answer(201, { result: 'valid' });
  }

  if (SUBSCRIPTIONS.test(path)) {
    if (method === 'POST' && form) {
      const description = required(form, 'Description');
      const sinkSid = required(form, 'SinkSid');
      if (form.get('ReceiveEventsFromSubaccounts') === 'true') {
        throw new BadRequestError('ReceiveEventsFromSubaccounts is not emulated');
      }
      const sink = ownSink(sinkSid);
      if (!sink) throw new BadRequestError(`Sink ${sinkSid} not found`);
      if (sink.status !== 'active') {
        throw new BadRequestError('Sink must be active for the subscription to be created');
      }
      const types = form.getAll('Types').map((raw) => {
        const entry = jsonObject(raw, 'Types');
        if (typeof entry.type !== 'string' || !KNOWN_EVENT_TYPES.has(entry.type)) {
          throw new BadRequestError(`unknown or unemulated event type ${String(entry.type)}`);
        }
        const version = entry.schema_version ?? 1;
        if (!Number.isInteger(version) || (version as number) < 1) {
          throw new BadRequestError('schema_version must be a positive integer');
        }
        return { type: entry.type, schemaVersion: version as number };
      });
      if (types.length === 0) throw new BadRequestError('Missing required parameter Types');
      const now = new Date();
      const subscription = {
        sid: randomSid('DF'),
        accountSid,
        sinkSid,
        description,
        types,
        dateCreated: now,
        dateUpdated: now,
      };
      ctx.eventSubscriptions.push(subscription);
      return answer(201, subscriptionJson(base, subscription));
    }
    if (method !== 'GET') return notAllowed();
    const sinkSid = url.searchParams.get('SinkSid');
    const carried = new URLSearchParams();
    if (sinkSid !== null) carried.set('SinkSid', sinkSid);
    return list(
      ctx.eventSubscriptions,
      (s) => s.accountSid === accountSid && (sinkSid === null || s.sinkSid === sinkSid),
      carried,
      'subscriptions',
      (s) => subscriptionJson(base, s),
    );
  }

  const subscriptionMatch = SUBSCRIPTION.exec(path);
  if (subscriptionMatch) {
    const subscription = ownSubscription(subscriptionMatch[1]);
    if (!subscription) return answer(404, notFound(path));
    if (method === 'GET') return answer(200, subscriptionJson(base, subscription));
    if (method === 'DELETE') {
      ctx.eventSubscriptions.splice(ctx.eventSubscriptions.indexOf(subscription), 1);
      return answer(204);
    }
    return notAllowed();
  }

  const subscribedMatch = SUBSCRIBED_EVENTS.exec(path);
  if (subscribedMatch) {
    if (method !== 'GET') return notAllowed();
    const subscription = ownSubscription(subscribedMatch[1]);
    if (!subscription) return answer(404, notFound(path));
    const entries = subscription.types.map((t) => ({ ...t, sid: t.type }));
    return list(
      entries,
      () => true,
      new URLSearchParams(),
      'types',
      (t) => subscribedEventJson(base, subscription, t),
    );
  }

  return answer(404, notFound(path));
};
