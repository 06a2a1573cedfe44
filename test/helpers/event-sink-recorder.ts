import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedSinkRequest {
  /** Path and query as requested (the query carries `bodySHA256`). */
  url: string;
  authorization: string | undefined;
  signature: string | undefined;
  contentType: string | undefined;
  body: string;
}

/**
 * A webhook sink for tests: records every request and answers with the next status of `statuses`
 * (the last one repeating; default 200). Not a fake of our handler: a stand-in for whatever URL
 * a customer points a sink at.
 */
export const startSinkRecorder = async (statuses: number[] = [200]) => {
  const requests: RecordedSinkRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        url: req.url ?? '/',
        authorization: req.headers.authorization,
        signature: req.headers['x-twilio-signature'] as string | undefined,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const status = statuses[Math.min(requests.length - 1, statuses.length - 1)] ?? 200;
      res.writeHead(status, { 'Content-Length': '0' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    /** Every event received, in arrival order. */
    events: () =>
      requests.flatMap(
        (r) => JSON.parse(r.body) as { id: string; type: string; data: Record<string, unknown> }[],
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
