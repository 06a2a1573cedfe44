import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
} from 'aws-lambda';
import type { EventsConfig } from '../config/lambda.ts';
import {
  MethodNotAllowedError,
  PayloadTooLargeError,
  SinkSignatureError,
  WebhookError,
} from '../domain/webhook-errors.ts';
import { logger, MetricName, metrics } from '../observability.ts';
import type { AccountTokens, JobQueue, MessageCatalog, MessageLookup } from '../ports/pipeline.ts';
import { receiveEventSink } from '../use-cases/receive-event-sink.ts';
import type { EventOutcome } from '../use-cases/receive-events.ts';
import { receiveStreamRecords } from '../use-cases/receive-events.ts';
import { webhookUrl } from './webhook-request.ts';

export interface EventsHandlerDeps {
  config: EventsConfig;
  queue: JobQueue;
  catalogFor(accountSid: string): MessageCatalog & MessageLookup;
  isServedAccount(accountSid: string): boolean | Promise<boolean>;
  tokens?: AccountTokens;
}

/** Twilio batches events; a megabyte is far above any batch it sends. */
export const MAX_EVENT_BODY_BYTES = 1024 * 1024;

type EventsEvent = APIGatewayProxyEventV2 | KinesisStreamEvent;
type EventsResult = APIGatewayProxyStructuredResultV2 | KinesisStreamBatchResponse;

const isKinesisEvent = (event: EventsEvent): event is KinesisStreamEvent =>
  Array.isArray((event as KinesisStreamEvent).Records);

const text = (statusCode: number, body: string, headers: Record<string, string> = {}) => ({
  statusCode,
  headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers },
  body,
});

const countEnqueued = (outcomes: readonly EventOutcome[]) => {
  const jobs = outcomes.reduce(
    (sum, outcome) => sum + (outcome.outcome === 'enqueued' ? outcome.jobs.length : 0),
    0,
  );
  metrics.addMetric(MetricName.JobsEnqueued, MetricUnit.Count, jobs);
  return jobs;
};

/** The sink URL Twilio requested (its `bodySHA256` query included), as Twilio signed it. */
const requestedUrl = (event: APIGatewayProxyEventV2, publicUrl?: string): string => {
  if (!publicUrl) return webhookUrl(event);
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return `${publicUrl.split('?', 1)[0]}${query}`;
};

const onHttp = async (
  deps: EventsHandlerDeps,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    if (event.requestContext.http.method !== 'POST') throw new MethodNotAllowedError();
    const raw = event.body ?? '';
    const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (Buffer.byteLength(body) > MAX_EVENT_BODY_BYTES) {
      throw new PayloadTooLargeError(`body over ${MAX_EVENT_BODY_BYTES} bytes`);
    }
    const headers = event.headers ?? {};
    const signal = AbortSignal.timeout(deps.config.webhookDeadlineMs);
    const outcomes = await receiveEventSink(
      { ...deps, logger, config: { ...deps.config, accountSid: deps.config.archiver.accountSid } },
      {
        authorization: headers.authorization ?? headers.Authorization,
        signature: headers['x-twilio-signature'] ?? headers['X-Twilio-Signature'],
        url: requestedUrl(event, deps.config.publicEventsUrl),
        body,
      },
      signal,
    );
    const jobs = countEnqueued(outcomes);
    return {
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ events: outcomes.length, jobs }),
    };
  } catch (error) {
    if (error instanceof WebhookError) {
      if (error instanceof SinkSignatureError) {
        metrics.addMetric(MetricName.SignaturesRefused, MetricUnit.Count, 1);
      }
      logger.warn('event sink refused', {
        statusCode: error.statusCode,
        error: error.name,
        reason: error.logReason,
      });
      return text(error.statusCode, error.message, error.headers);
    }
    // Twilio or the queue failed (or the deadline passed): Twilio sends the batch again.
    logger.error('event sink failed', { error: error as Error });
    return text(503, 'Service Unavailable', { 'Retry-After': '5' });
  }
};

const onKinesis = async (
  deps: EventsHandlerDeps,
  event: KinesisStreamEvent,
  context: Context,
): Promise<KinesisStreamBatchResponse> => {
  // Stop Twilio calls a few seconds before the Lambda's end: an unfinished record is reported.
  const remaining = context.getRemainingTimeInMillis?.() ?? 60_000;
  const signal = AbortSignal.timeout(Math.max(1000, remaining - 3000));
  const result = await receiveStreamRecords(
    { ...deps, logger },
    event.Records.map((record) => ({
      sequenceNumber: record.kinesis.sequenceNumber,
      data: Buffer.from(record.kinesis.data, 'base64').toString('utf8'),
    })),
    signal,
  );
  countEnqueued(result.outcomes);
  return { batchItemFailures: result.batchItemFailures };
};

export type EventsHandler = (event: EventsEvent, context: Context) => Promise<EventsResult>;

/**
 * One Lambda for both Event Streams sinks: an HTTP API (payload v2) request from the webhook sink,
 * or a Kinesis batch from the event source mapping (ReportBatchItemFailures).
 */
export const createEventsHandler = (deps: EventsHandlerDeps): EventsHandler =>
  middy<EventsEvent, EventsResult>()
    // logEvent pinned off: the events carry phone numbers and bodies, the request credentials.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics))
    .handler(async (event, context) =>
      isKinesisEvent(event) ? onKinesis(deps, event, context) : onHttp(deps, event),
    ) as unknown as EventsHandler;
