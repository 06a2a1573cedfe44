import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** moto_server (Python) on a free loopback port: the AWS stand-in the rehearsal deploys onto. */
export interface MotoServer {
  endpoint: string;
  port: number;
  /** Its request log, for a failure report. */
  output(): string;
  stop(): Promise<void>;
}

export class MotoUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stopProcess = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });

/** Starts `moto_server -H 127.0.0.1 -p PORT` and waits until it answers HTTP. */
export const startMotoServer = async (
  options: { command?: string; readyTimeoutMs?: number } = {},
): Promise<MotoServer> => {
  const command = options.command ?? 'moto_server';
  const port = await freePort();
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    // Keep the tail only: moto logs one line per request.
    output = (output + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new MotoUnavailableError(
          `${command} could not be started (${(error as NodeJS.ErrnoException).code ?? error.message}): install it with pip install "moto[server]"`,
          { cause: error },
        ),
      ),
    );
  });
  spawnError.catch(() => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new MotoUnavailableError(
        `${command} exited with ${child.exitCode}: ${output.slice(-500)}`,
      );
    }
    try {
      const answer = await Promise.race([fetch(`${endpoint}/moto-api/`), spawnError]);
      await answer.body?.cancel();
      break;
    } catch (error) {
      if (error instanceof MotoUnavailableError) throw error;
      if (Date.now() > deadline) {
        await stopProcess(child);
        throw new MotoUnavailableError(`${command} did not answer on ${endpoint}`);
      }
      await sleep(100);
    }
  }
  return { endpoint, port, output: () => output, stop: () => stopProcess(child) };
};
