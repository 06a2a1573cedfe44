import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface HttpEventOptions {
  method?: string;
  /** Full URL the request was sent to; gives host, rawPath and rawQueryString. */
  url?: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}

/** An API Gateway HTTP API (payload v2) event, which is also what a Function URL sends. */
export const apiGatewayV2Event = (options: HttpEventOptions = {}): APIGatewayProxyEventV2 => {
  const url = new URL(options.url ?? 'https://example.execute-api.us-east-1.amazonaws.com/webhook');
  const method = options.method ?? 'POST';
  const rawQueryString = url.search.replace(/^\?/, '');
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: `${method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString,
    headers: {
      host: url.host,
      'x-forwarded-proto': url.protocol.replace(':', ''),
      'user-agent': 'TwilioProxy/1.1',
      ...options.headers,
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'example',
      domainName: url.hostname,
      domainPrefix: url.hostname.split('.')[0] ?? '',
      http: {
        method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '198.51.100.7',
        userAgent: 'TwilioProxy/1.1',
      },
      requestId: 'req-1',
      routeKey: `${method} ${url.pathname}`,
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 1_735_689_600_000,
    },
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
  if (rawQueryString) {
    event.queryStringParameters = Object.fromEntries(url.searchParams.entries());
  }
  if (options.body !== undefined) event.body = options.body;
  return event;
};
