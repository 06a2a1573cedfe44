import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CaughtRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

export interface CatchAllAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export type Responder = (url: string) => CatchAllAnswer;

/**
 * An HTTP server that records every request it gets (with its Authorization header) and answers
 * with `respond` (default 200 "caught"): the place forged URLs and redirects point at, so a test
 * can prove that no credential ever reached it.
 */
export const startCatchAllServer = async (respond?: Responder) => {
  const caught: CaughtRequest[] = [];
  const server = createServer((req, res) => {
    req.resume();
    caught.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      authorization: req.headers.authorization,
    });
    const answer = respond?.(req.url ?? '/') ?? { status: 200, body: 'caught' };
    const body = answer.body ?? '';
    res.writeHead(answer.status, {
      'Content-Length': String(Buffer.byteLength(body)),
      ...answer.headers,
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    caught,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
