import type { AddressInfo } from 'node:net';
import { createSqsServer } from 'local-aws-sqs';
import { PortInUseError } from './s3-server.ts';

export interface LocalSqsServer {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

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
