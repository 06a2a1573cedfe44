import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSqsServer } from 'local-aws-sqs';
import { PortInUseError } from './s3-server.ts';

export interface LocalSqsServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** The content types a page may send cross-site without a CORS preflight (plus none at all). */
const SIMPLE_CONTENT_TYPES = new Set([
  '',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);

/**
 * Why a request is refused, or `undefined`. local-aws-sqs checks no signature, so any web page
 * could post `Action=DeleteQueue` to it. A page can only send, without a CORS preflight (which
 * this server never grants), a simple content type with no Authorization header; SDK clients send
 * `application/x-amz-json-1.0` and a SigV4 Authorization header, and no Origin.
 */
export const browserForgeryReason = (
  headers: IncomingHttpHeaders,
  ownOrigin: string,
): string | undefined => {
  const origin = headers.origin;
  if (origin !== undefined && origin !== ownOrigin) return `foreign Origin ${origin.slice(0, 100)}`;
  const essence = (headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  const signed = /^AWS4-HMAC-SHA256 /.test(headers.authorization ?? '');
  if (SIMPLE_CONTENT_TYPES.has(essence) && !signed) {
    return `unsigned ${essence || 'body without content type'}`;
  }
  return undefined;
};

const guardAgainstBrowsers = (server: Server, ownOrigin: string): void => {
  const handlers = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const reason = browserForgeryReason(req.headers, ownOrigin);
    if (reason === undefined) {
      for (const handler of handlers) handler.call(server, req, res);
      return;
    }
    req.resume();
    const body = JSON.stringify({ __type: 'AccessDenied', message: `refused: ${reason}` });
    res.writeHead(403, { 'content-type': 'application/x-amz-json-1.0' }).end(body);
  });
};

/** Starts local-aws-sqs in this process on 127.0.0.1 (port 0 = a free port). */
export const startLocalSqsServer = async (
  options: { port?: number } = {},
): Promise<LocalSqsServer> => {
  let server: Awaited<ReturnType<typeof createSqsServer>>;
  try {
    server = await createSqsServer({
      port: options.port ?? 0,
      hostname: '127.0.0.1',
      emulateQueueCreationLifecycle: false,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError(options.port ?? 0);
    }
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  guardAgainstBrowsers(server, `http://127.0.0.1:${port}`);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
};
