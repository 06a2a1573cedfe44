import { type ChildProcess, fork } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

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

const CHILD = fileURLToPath(new URL('./s3rver-process.cjs', import.meta.url));

/** Starts s3rver in a child process on 127.0.0.1 (port 0 = a free port) with the given buckets. */
export const startLocalS3Server = async (options: {
  directory: string;
  port?: number;
  buckets?: string[];
}): Promise<LocalS3Server> => {
  await mkdir(options.directory, { recursive: true });
  const child: ChildProcess = fork(CHILD, [JSON.stringify(options)], {
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code}`)));
    child.on(
      'message',
      (message: { type: string; port?: number; code?: string; message?: string }) => {
        if (message.type === 'ready' && message.port) resolve(message.port);
        if (message.type === 'error') {
          reject(
            message.code === 'EADDRINUSE'
              ? new PortInUseError(options.port ?? 0)
              : new Error(`s3rver failed: ${message.message}`),
          );
        }
      },
    );
  });
  child.removeAllListeners('exit');
  const ask = <T>(question: string, answer: string): Promise<T> =>
    new Promise((resolve) => {
      const listener = (message: { type: string } & Record<string, unknown>) => {
        if (message.type !== answer) return;
        child.off('message', listener);
        resolve(message as T);
      };
      child.on('message', listener);
      child.send(question);
    });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    requestCounts: async () =>
      (await ask<{ counts: Record<string, number> }>('counts', 'counts')).counts,
    resetRequestCounts: () => child.send('reset-counts'),
    requestLog: async () => (await ask<{ log: S3RequestLogEntry[] }>('log', 'log')).log,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
};
