import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { createLocalContext } from './lambda-context.ts';
import { PortInUseError } from './s3-server.ts';

export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/** A route's own HTTP server, for pages that are not Lambda handlers (the archive browser). */
export type RawRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpApiRoutes {
  lambdas: Record<string, HttpApiHandler>;
  raw?: Record<string, RawRoute>;
}

/** API Gateway's own payload limit; larger requests never reach a Lambda. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

const isTextual = (contentType: string | undefined) =>
  !contentType || /^(text\/|application\/(x-www-form-urlencoded|json|xml))/i.test(contentType);

/** Builds the HTTP API (payload v2) event a Lambda Function URL or API Gateway would send. */
export const toApiGatewayEvent = (
  req: IncomingMessage,
  body: Buffer,
  url: URL,
): APIGatewayProxyEventV2 => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  headers['x-forwarded-proto'] ??= 'http';
  const textual = isTextual(headers['content-type']);
  const now = Date.now();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: !textual,
  };
  if (url.search) {
    event.queryStringParameters = Object.fromEntries(url.searchParams);
  }
  if (body.length > 0) event.body = textual ? body.toString('utf8') : body.toString('base64');
  return event;
};

const writeResult = (res: ServerResponse, result: APIGatewayProxyResultV2) => {
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === 'string' || result === undefined
      ? { statusCode: 200, body: typeof result === 'string' ? result : '' }
      : (result as APIGatewayProxyStructuredResultV2);
  const headers = { ...(structured.headers ?? {}) } as Record<string, string | number | boolean>;
  res.writeHead(structured.statusCode ?? 200, headers as Record<string, string>);
  const body = structured.body ?? '';
  res.end(structured.isBase64Encoded ? Buffer.from(body, 'base64') : body);
};

const readBody = async (req: IncomingMessage): Promise<Buffer | undefined> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

export interface LocalHttpApi {
  server: Server;
  port: number;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * A small HTTP → API Gateway v2 adapter: each path runs its real Lambda handler, the way
 * API Gateway would invoke it. Paths match exactly (raw routes match by prefix).
 */
export const startLocalHttpApi = async (
  routes: HttpApiRoutes,
  options: { port?: number; portVariable?: string } = {},
): Promise<LocalHttpApi> => {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
      const raw = Object.entries(routes.raw ?? {}).find(([prefix]) =>
        url.pathname.startsWith(prefix),
      );
      if (raw) return await raw[1](req, res);
      const handler = routes.lambdas[url.pathname];
      if (!handler) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{"message":"Not Found"}');
      }
      const body = await readBody(req);
      if (!body) {
        res.writeHead(413, { 'content-type': 'application/json' });
        return res.end('{"message":"Request Entity Too Large"}');
      }
      const name = url.pathname.replace(/\W+/g, '-').replace(/^-|-$/g, '') || 'root';
      writeResult(res, await handler(toApiGatewayEvent(req, body, url), createLocalContext(name)));
    } catch (error) {
      // API Gateway answers 500 "Internal Server Error" when the integration fails.
      console.error('http-api:', (error as Error).name, (error as Error).message);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"message":"Internal Server Error"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.port ?? 0) : error),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
