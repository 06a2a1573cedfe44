import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InvalidWebhookError } from '../domain/webhook-errors.ts';
import type { WebhookFields } from '../domain/webhook-form.ts';
import type { WebhookRequest } from '../use-cases/receive-webhook.ts';

/** Twilio refuses to send more than 64 kB; anything larger is not a Twilio webhook. */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

/** An API Gateway HTTP API (v2) / Function URL event, before or after form parsing. */
export type WebhookEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };

/** Size of the body as sent: base64 bodies count their decoded bytes. */
export const bodyBytes = (event: WebhookEvent): number => {
  if (typeof event.body !== 'string') return 0;
  return Buffer.byteLength(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
};

/**
 * The URL Twilio signed: the configured public URL when there is one (API Gateway's stage prefix
 * and custom domains make the path seen here differ), else one rebuilt from the request.
 */
export const webhookUrl = (event: WebhookEvent, publicWebhookUrl?: string): string => {
  if (publicWebhookUrl) return publicWebhookUrl;
  const proto = event.headers['x-forwarded-proto'] ?? 'https';
  const host = event.headers.host ?? event.requestContext.domainName;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return `${proto}://${host}${event.rawPath}${query}`;
};

const isFields = (body: unknown): body is WebhookFields =>
  typeof body === 'object' &&
  body !== null &&
  !Array.isArray(body) &&
  Object.values(body).every(
    (value) =>
      typeof value === 'string' ||
      (Array.isArray(value) && value.every((item) => typeof item === 'string')),
  );

/** Translates an event whose body the urlencode parser already turned into fields. */
export const toWebhookRequest = (
  event: WebhookEvent,
  publicWebhookUrl?: string,
): WebhookRequest => {
  if (!isFields(event.body)) throw new InvalidWebhookError('body is not form-encoded');
  return {
    url: webhookUrl(event, publicWebhookUrl),
    fields: event.body,
    signature: event.headers['x-twilio-signature'],
    signatureSettings: event.headers['x-twilio-webhooks-signature-settings'],
  };
};
