import { type ChildProcess, fork } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type LocalS3Server, PortInUseError, type S3RequestLogEntry } from './s3-server.ts';

/**
 * fauxqs serves S3 and SQS on one port; it stores aws-chunked uploads with trailing
 * checksums intact and returns SHA-256 with `ChecksumMode: 'ENABLED'`, so clients keep the SDK's
 * default checksum settings (docs/LOCAL-S3.md lists what it does not cover).
 */
export interface LocalFauxqsServer extends LocalS3Server {
  /** The same server answers SQS's JSON protocol (queues live in memory). */
  sqsEndpoint: string;
  /** The address the server is bound to: loopback only (fauxqs itself would take 0.0.0.0). */
  boundAddress: string;
}

const CHILD = fileURLToPath(new URL('./fauxqs-process.mjs', import.meta.url));

/** fauxqs imports node:sqlite, which Node has from 22.5 on. */
const supportsFauxqs = (version: string): boolean => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 5);
};

/**
 * Starts fauxqs in a child process (port 0 = a free port) with the given buckets; S3 objects are
 * files under `directory` and survive a restart on the same directory.
 */
export const startFauxqsServer = async (options: {
  directory: string;
  port?: number;
  buckets?: string[];
}): Promise<LocalFauxqsServer> => {
  if (!supportsFauxqs(process.versions.node)) {
    throw new Error(`fauxqs needs Node ≥ 22.5; this is ${process.version}`);
  }
  await mkdir(options.directory, { recursive: true });
  const child: ChildProcess = fork(CHILD, [JSON.stringify(options)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let boundAddress = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fauxqs exited with code ${code}`)));
    child.on(
      'message',
      (message: {
        type: string;
        port?: number;
        address?: string;
        code?: string;
        message?: string;
      }) => {
        if (message.type === 'ready' && message.port) {
          boundAddress = message.address ?? '';
          resolve(message.port);
        }
        if (message.type === 'error') {
          reject(
            message.code === 'EADDRINUSE'
              ? new PortInUseError(options.port ?? 0)
              : new Error(`fauxqs failed: ${message.message}`),
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
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    sqsEndpoint: endpoint,
    boundAddress,
    port,
    requestCounts: async () =>
      (await ask<{ counts: Record<string, number> }>('counts', 'counts')).counts,
    resetRequestCounts: () => child.send('reset-counts'),
    requestLog: async () => (await ask<{ log: S3RequestLogEntry[] }>('log', 'log')).log,
    // 'stop' lets fauxqs flush and close its storage before the process exits.
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.send('stop');
      }),
  };
};
