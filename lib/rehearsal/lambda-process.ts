import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';

/** A deployed function running in a process of its own, invoked like Lambda invokes it. */
export interface LambdaProcess {
  name: string;
  invoke<T = unknown>(event: unknown): Promise<T>;
  /** Everything the function wrote (its CloudWatch log, in effect). */
  log(): string;
  stop(): Promise<void>;
}

export class LambdaInvocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface LambdaProcessOptions {
  name: string;
  functionArn: string;
  /** The unpacked package (Lambda's /var/task). */
  taskRoot: string;
  /** `functions/webhook.handler` as deployed. */
  handler: string;
  timeoutSeconds: number;
  /** The complete environment of the process: nothing is inherited. */
  env: Record<string, string>;
  /** Node binary; the rehearsal's own (process.execPath) by default. */
  nodePath?: string;
}

const HOST = join(import.meta.dirname, 'lambda-host.mjs');

/** Starts the process and waits for its init phase (module load, secrets, config) to finish. */
export const startLambdaProcess = async (options: LambdaProcessOptions): Promise<LambdaProcess> => {
  const dot = options.handler.lastIndexOf('.');
  const modulePath = join(options.taskRoot, `${options.handler.slice(0, dot)}.mjs`);
  const child: ChildProcess = fork(HOST, [modulePath, options.handler.slice(dot + 1)], {
    cwd: options.taskRoot,
    env: options.env,
    execPath: options.nodePath ?? process.execPath,
    // No loader flags of the parent (tsx): the bundle must run on plain Node.
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString('utf8');
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let exited: Error | undefined;

  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: { type: string; error?: { name: string; message: string } }) => {
      if (message.type === 'ready') {
        child.off('message', onMessage);
        resolve();
      } else if (message.type === 'init-error') {
        reject(
          new LambdaInvocationError(
            `${options.name} failed at init: ${message.error?.name}: ${message.error?.message}\n${log}`,
          ),
        );
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) =>
      reject(new LambdaInvocationError(`${options.name} exited at init (${code})\n${log}`)),
    );
  });

  child.on(
    'message',
    (message: {
      type: string;
      id: number;
      result?: unknown;
      error?: { name: string; message: string };
    }) => {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.type === 'result') waiting.resolve(message.result);
      else {
        waiting.reject(
          new LambdaInvocationError(
            `${options.name}: ${message.error?.name}: ${message.error?.message}`,
          ),
        );
      }
    },
  );
  child.once('exit', (code, signal) => {
    exited = new LambdaInvocationError(`${options.name} exited (${code ?? signal})`);
    for (const waiting of pending.values()) waiting.reject(exited);
    pending.clear();
  });

  return {
    name: options.name,
    log: () => log,
    invoke: <T>(event: unknown) =>
      new Promise<T>((resolve, reject) => {
        if (exited) return reject(exited);
        const id = nextId++;
        const timeoutMs = options.timeoutSeconds * 1000;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new LambdaInvocationError(`${options.name} timed out after ${timeoutMs} ms`));
        }, timeoutMs + 1_000);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ type: 'invoke', id, event, timeoutMs, functionArn: options.functionArn });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
};
