import { isAuthorizedBasic } from '../domain/basic-auth.ts';
import { isAccountSid } from '../domain/sids.ts';
import {
  InvalidEventError,
  parseEventArray,
  SINK_TEST_EVENT,
} from '../domain/twilio-cloud-event.ts';
import { isValidTwilioJsonSignature } from '../domain/twilio-signature.ts';
import {
  ForeignAccountWebhookError,
  InvalidWebhookError,
  SinkSignatureError,
  SinkUnauthorizedError,
} from '../domain/webhook-errors.ts';
import type { AccountTokens } from '../ports/pipeline.ts';
import { type EventOutcome, type ReceiveEventsDeps, receiveEventBatch } from './receive-events.ts';

/** The settings the webhook sink reads (lib/config's EventsConfig satisfies it). */
export interface ReceiveEventSinkConfig {
  accountSid: string;
  /** The Basic credentials in the sink URL's userinfo; absent = every request is refused. */
  sink?: { username: string; password: string };
  /** `required`: X-Twilio-Signature is checked with the account's auth token too. */
  signature: 'required' | 'off';
  /** Primary first, then the previous one. */
  authTokens: string[];
}

export interface ReceiveEventSinkDeps extends ReceiveEventsDeps {
  config: ReceiveEventSinkConfig;
  /** Tokens of served subaccounts (TWILIO_SUBACCOUNTS); absent = the main account's only. */
  tokens?: AccountTokens;
}

export interface EventSinkRequest {
  authorization: string | undefined;
  signature: string | undefined;
  /** The URL Twilio requested, its query (`bodySHA256`) included, without userinfo. */
  url: string;
  body: string;
}

/** The account whose sink sent the request: the one its events name (the main one if none). */
const signerOf = (events: readonly unknown[], mainSid: string): string => {
  const named = new Set<string>();
  for (const raw of events) {
    const event = (raw ?? {}) as { type?: unknown; id?: unknown; data?: { accountSid?: unknown } };
    const sid = event.type === SINK_TEST_EVENT ? event.id : event.data?.accountSid;
    if (isAccountSid(sid)) named.add(sid);
  }
  if (named.size > 1) throw new InvalidWebhookError('events of several accounts in one request');
  return [...named][0] ?? mainSid;
};

/** The URL with the sink's userinfo put back, in case Twilio signs the destination as given. */
const withUserinfo = (url: string, sink: { username: string; password: string }): string => {
  const match = /^(https?:\/\/)(.*)$/i.exec(url);
  if (!match) return url;
  return `${match[1]}${encodeURIComponent(sink.username)}:${encodeURIComponent(sink.password)}@${match[2]}`;
};

/**
 * A webhook-sink request: Basic credentials first (nothing of the body is read without them),
 * then the body (a JSON array of CloudEvents), then Twilio's signature when required, then the
 * events. Throws `WebhookError`s (4xx), or what `receiveEventBatch` throws (retryable: 5xx).
 */
export const receiveEventSink = async (
  deps: ReceiveEventSinkDeps,
  request: EventSinkRequest,
  signal?: AbortSignal,
): Promise<EventOutcome[]> => {
  const { config } = deps;
  const { sink } = config;
  if (!sink) throw new SinkUnauthorizedError('no webhook sink configured (EVENT_SINK_USERNAME)');
  if (!isAuthorizedBasic(request.authorization, sink)) {
    throw new SinkUnauthorizedError(
      request.authorization ? 'wrong Basic credentials' : 'no Basic credentials',
    );
  }
  let events: unknown[];
  try {
    events = parseEventArray(request.body);
  } catch (error) {
    if (error instanceof InvalidEventError) throw new InvalidWebhookError(error.message);
    throw error;
  }
  if (config.signature === 'required') {
    const signer = signerOf(events, config.accountSid);
    const tokens =
      signer === config.accountSid
        ? config.authTokens
        : (await deps.isServedAccount(signer))
          ? await deps.tokens?.tokensFor(signer)
          : undefined;
    if (tokens === undefined) throw new ForeignAccountWebhookError(signer);
    const valid = [request.url, withUserinfo(request.url, sink)].some((url) =>
      isValidTwilioJsonSignature({
        authTokens: tokens,
        url,
        body: request.body,
        signature: request.signature,
      }),
    );
    if (!valid) {
      throw new SinkSignatureError({
        signature: request.signature ? 'invalid' : 'missing',
        checkedUrl: request.url,
      });
    }
  }
  return receiveEventBatch(deps, events, signal);
};
