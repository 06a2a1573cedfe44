import { TwilioAuthError, TwilioUnavailableError } from '../../domain/errors.ts';
import type {
  DeleteOutcome,
  EventSink,
  EventSinkTarget,
  EventStreamsClient,
  EventSubscription,
  SubscribedType,
} from '../../ports/event-streams.ts';
import { TwilioListError, UnsafePageUriError } from './twilio-catalog.ts';
import {
  describeRequestFailure,
  Retryable,
  type RetryPolicy,
  readJsonBody,
  retrying,
  type TwilioHttpOptions,
  throttled,
  twilioErrorCode,
  twilioHttpSettings,
  withTimeout,
} from './twilio-http.ts';

export interface TwilioEventStreamsOptions extends Omit<TwilioHttpOptions, 'apiBaseUrl'> {
  /** e.g. `https://events.twilio.com`: the only origin that receives these credentials. */
  eventsBaseUrl: string;
  requestTimeoutMs?: number;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 2, baseDelayMs: 500, maxDelayMs: 5_000 };
const MAX_PAGES = 100;

/** Twilio refused a request for a reason retrying will not change (400 with its code). */
export class EventStreamsRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventStreamsRequestError';
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const targetOf = (raw: Record<string, unknown>): EventSinkTarget | undefined => {
  const config = (raw.sink_configuration ?? {}) as Record<string, unknown>;
  if (raw.sink_type === 'webhook' && typeof config.destination === 'string') {
    return { kind: 'webhook', destination: config.destination };
  }
  if (raw.sink_type === 'kinesis' && typeof config.arn === 'string') {
    return {
      kind: 'kinesis',
      arn: config.arn,
      roleArn: text(config.role_arn),
      externalId: text(config.external_id),
    };
  }
  return undefined;
};

const sinkOf = (raw: Record<string, unknown>): EventSink => ({
  sid: text(raw.sid),
  status: text(raw.status),
  description: text(raw.description),
  target: targetOf(raw),
});

/**
 * Events v1 over HTTP. Reads and deletes retry (GET and DELETE are idempotent: a repeated
 * DELETE answers 404, read as "gone"); a create is retried only on 429, which Twilio never
 * processed, so a timeout never turns into two sinks. Pages are followed only on the same
 * origin and list.
 */
export const createTwilioEventStreams = (
  options: TwilioEventStreamsOptions,
): EventStreamsClient => {
  const http = twilioHttpSettings({ ...options, apiBaseUrl: options.eventsBaseUrl }, DEFAULT_RETRY);
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const path = (rest: string) => `${http.basePath}${rest}`;

  /** A DELETE: `undefined` for 204, `{ gone: true }` for 404 (already deleted: what it wanted). */
  const once = async (
    method: 'GET' | 'POST' | 'DELETE',
    url: URL,
    form?: URLSearchParams,
  ): Promise<Record<string, unknown> | undefined> => {
    let response: Response;
    try {
      response = await http.fetch(url, {
        method,
        headers: {
          Authorization: http.authorization,
          Accept: 'application/json',
          ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { body: form.toString() } : {}),
        redirect: 'manual',
        signal: withTimeout(timeoutMs),
      });
    } catch (error) {
      const failure = new TwilioUnavailableError(
        `cannot reach ${url.origin}: ${describeRequestFailure(error)}`,
        { cause: error },
      );
      throw method === 'POST' ? failure : new Retryable(failure);
    }
    const { status } = response;
    if (status === 200 || status === 201) {
      return readJsonBody(response, `unreadable answer from ${url.pathname}`);
    }
    if (method === 'DELETE' && (status === 204 || status === 404)) {
      await response.body?.cancel();
      return status === 404 ? { gone: true } : undefined;
    }
    const code = await twilioErrorCode(response);
    const suffix = code === undefined ? '' : ` code ${code}`;
    if (status === 429) throw throttled(`Twilio throttled ${url.pathname} (429)`, response);
    if (status >= 500) {
      const failure = new TwilioUnavailableError(
        `Twilio answered ${status}${suffix} to ${method} ${url.pathname}`,
      );
      throw method === 'POST' ? failure : new Retryable(failure);
    }
    if (status === 401 || status === 403) {
      throw new TwilioAuthError(`Twilio refused the credential (${status}${suffix})`);
    }
    throw new EventStreamsRequestError(
      `Twilio answered ${status}${suffix} to ${method} ${url.pathname}`,
    );
  };
  const call = async (
    method: 'GET' | 'POST',
    url: URL,
    form?: URLSearchParams,
  ): Promise<Record<string, unknown>> =>
    (await retrying(() => once(method, url, form), http.retrying)) ?? {};
  const remove = async (rest: string): Promise<DeleteOutcome> => {
    const url = new URL(path(rest), http.base.origin);
    const answer = await retrying(() => once('DELETE', url), http.retrying);
    return answer?.gone === true ? 'gone' : 'deleted';
  };

  const walk = async (listPath: string, key: string): Promise<Record<string, unknown>[]> => {
    const items: Record<string, unknown>[] = [];
    let url: URL | undefined = new URL(`${path(listPath)}?PageSize=100`, http.base.origin);
    for (let pages = 0; url; pages += 1) {
      if (pages >= MAX_PAGES)
        throw new TwilioListError(`more than ${MAX_PAGES} pages of ${listPath}`);
      const body = await call('GET', url);
      const page = body[key];
      if (Array.isArray(page)) items.push(...(page as Record<string, unknown>[]));
      const next = (body.meta as { next_page_url?: unknown } | undefined)?.next_page_url;
      if (typeof next !== 'string' || next === '') break;
      const nextUrl: URL = new URL(next, http.base.origin);
      if (nextUrl.origin !== http.base.origin || nextUrl.pathname !== path(listPath)) {
        throw new UnsafePageUriError(
          `next page ${nextUrl.origin}${nextUrl.pathname} leaves ${listPath}`,
        );
      }
      url = nextUrl;
    }
    return items;
  };

  const subscribedTypes = async (subscriptionSid: string): Promise<SubscribedType[]> =>
    (await walk(`/v1/Subscriptions/${subscriptionSid}/SubscribedEvents`, 'types')).map((raw) => ({
      type: text(raw.type),
      schemaVersion: typeof raw.schema_version === 'number' ? raw.schema_version : 0,
    }));

  return {
    listSinks: async () => (await walk('/v1/Sinks', 'sinks')).map(sinkOf),
    async createSink(description, target) {
      const configuration =
        target.kind === 'webhook'
          ? { destination: target.destination, method: 'POST', batch_events: false }
          : { arn: target.arn, role_arn: target.roleArn, external_id: target.externalId };
      const form = new URLSearchParams({
        Description: description,
        SinkType: target.kind,
        SinkConfiguration: JSON.stringify(configuration),
      });
      return sinkOf(await call('POST', new URL(path('/v1/Sinks'), http.base.origin), form));
    },
    async testSink(sinkSid) {
      await call(
        'POST',
        new URL(path(`/v1/Sinks/${sinkSid}/Test`), http.base.origin),
        new URLSearchParams(),
      );
    },
    async validateSink(sinkSid, testId) {
      await call(
        'POST',
        new URL(path(`/v1/Sinks/${sinkSid}/Validate`), http.base.origin),
        new URLSearchParams({ TestId: testId }),
      );
    },
    async listSubscriptions() {
      const raw = await walk('/v1/Subscriptions', 'subscriptions');
      return Promise.all(
        raw.map(
          async (entry): Promise<EventSubscription> => ({
            sid: text(entry.sid),
            sinkSid: text(entry.sink_sid),
            description: text(entry.description),
            types: await subscribedTypes(text(entry.sid)),
          }),
        ),
      );
    },
    async createSubscription(description, sinkSid, types) {
      const form = new URLSearchParams({ Description: description, SinkSid: sinkSid });
      for (const t of types)
        form.append('Types', JSON.stringify({ type: t.type, schema_version: t.schemaVersion }));
      const raw = await call('POST', new URL(path('/v1/Subscriptions'), http.base.origin), form);
      return {
        sid: text(raw.sid),
        sinkSid: text(raw.sink_sid),
        description: text(raw.description),
        types: [...types],
      };
    },
    deleteSubscription: (subscriptionSid) =>
      remove(`/v1/Subscriptions/${encodeURIComponent(subscriptionSid)}`),
    deleteSink: (sinkSid) => remove(`/v1/Sinks/${encodeURIComponent(sinkSid)}`),
  };
};
