/** What the local stack, the bench and the tests need of a local S3 (lib/local/fauxqs-server.ts). */

export interface S3RequestLogEntry {
  method: string;
  /** Path-style `/{bucket}/{key}` as received (URI-encoded), without the query. */
  path: string;
  status: number;
  /** Date.now() when the response finished. */
  at: number;
}

export interface LocalS3Server {
  endpoint: string;
  port: number;
  /** Requests served so far, by HTTP method (PUT, GET, HEAD, POST, DELETE). */
  requestCounts(): Promise<Record<string, number>>;
  resetRequestCounts(): void;
  /** Every completed request, oldest first. */
  requestLog(): Promise<S3RequestLogEntry[]>;
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use`);
    this.name = 'PortInUseError';
  }
}
