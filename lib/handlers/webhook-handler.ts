import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { WebhookConfig } from '../config/lambda.ts';
import { MetricName } from '../domain/metric-names.ts';
import { isMessageSid } from '../domain/sids.ts';
import {
  InvalidWebhookError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  SignatureMismatchError,
} from '../domain/webhook-errors.ts';
import { singleField } from '../domain/webhook-form.ts';
import { logger, metrics } from '../observability.ts';
import type { AccountTokens, JobQueue } from '../ports/pipeline.ts';
import { receiveWebhook } from '../use-cases/receive-webhook.ts';
import {
  bodyBytes,
  MAX_WEBHOOK_BODY_BYTES,
  toWebhookRequest,
  type WebhookEvent,
} from './webhook-request.ts';

export interface WebhookHandlerDeps {
  config: WebhookConfig;
  queue: JobQueue;
  /** TWILIO_SUBACCOUNTS: tokens per served account (absent = the main account only). */
  tokens?: AccountTokens;
  now?: () => Date;
}

const EMPTY_TWIML: APIGatewayProxyStructuredResultV2 = {
  statusCode: 200,
  headers: { 'Content-Type': 'text/xml' },
  body: '<Response/>',
};

const hasOnlyNamedValues = (event: WebhookEvent): boolean => {
  if (typeof event.body !== 'string') return true;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString() : event.body;
  return text.split('&').every((part) => part === '' || part.includes('='));
};

/** Refusals that need no form parsing come first: wrong method, oversized body, a bare word. */
const webhookGuard = (): MiddlewareObj<WebhookEvent> => ({
  before: ({ event }) => {
    const { method } = event.requestContext.http;
    if (method !== 'POST') throw new MethodNotAllowedError(method);
    if (bodyBytes(event) > MAX_WEBHOOK_BODY_BYTES) {
      throw new PayloadTooLargeError(`body over ${MAX_WEBHOOK_BODY_BYTES} bytes`);
    }
    if (event.body === undefined || event.body === null) event.body = '';
    // middy 7's urlencode parser turns any text into fields (`garbage` → { garbage: '' }); Twilio
    // sends every field as name=value, so a bare word is not a webhook.
    if (!hasOnlyNamedValues(event)) throw new InvalidWebhookError('body is not form-encoded');
  },
});

// Reasons only: errors here never carry tokens, signatures, addresses or bodies.
const logFailure = (error: {
  statusCode?: number;
  message?: string;
  name?: string;
  logReason?: string;
}) => {
  if (error.statusCode !== undefined && error.statusCode < 500) {
    logger.warn('webhook refused', {
      statusCode: error.statusCode,
      error: error.name,
      reason: error.logReason ?? error.message,
    });
  } else {
    logger.error('webhook failed', { error: error as Error });
  }
};

export type WebhookHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** The webhook Lambda, built from its collaborators so tests can hand in fakes. */
export const createWebhookHandler = (deps: WebhookHandlerDeps): WebhookHandler =>
  // The cast undoes middy's typing of the urlencode parser, which assumes REST API (v1) events.
  middy<WebhookEvent, APIGatewayProxyStructuredResultV2>()
    // logEvent pinned off: POWERTOOLS_LOGGER_LOG_EVENT=true would log the signature, From and Body.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics))
    .use(httpErrorHandler({ logger: logFailure }))
    .use(httpHeaderNormalizer())
    .use(webhookGuard())
    .use(httpUrlencodeBodyParser({ disableContentTypeError: true }))
    .handler(async (event) => {
      const request = toWebhookRequest(event, deps.config.publicWebhookUrl);
      const messageSid = singleField(request.fields, 'MessageSid');
      if (isMessageSid(messageSid)) logger.setCorrelationId(messageSid);
      try {
        const jobs = await receiveWebhook(deps, request);
        metrics.addMetric(MetricName.JobsEnqueued, MetricUnit.Count, jobs.length);
        logger.info('webhook accepted', { mediaSids: jobs.map((job) => job.mediaSid) });
        return EMPTY_TWIML;
      } catch (error) {
        if (error instanceof SignatureMismatchError) {
          metrics.addMetric(MetricName.SignaturesRefused, MetricUnit.Count, 1);
        }
        throw error;
      }
    }) as unknown as WebhookHandler;
