import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readStackFile } from '../config/local-stack-files.ts';

/**
 * One local stack per data directory: `.local/stack.lock` holds the owner's pid, created with
 * O_EXCL so two starts cannot both win. A lock whose pid is gone (a killed stack) is taken over.
 */
export const LOCK_FILE = 'stack.lock';

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    detail: string,
  ) {
    super(`a local stack is already running from ${dataDir}/ (pid ${pid})${detail}`);
    this.name = new.target.name;
  }
}

export interface DataDirLock {
  /** Whether the lock file still names this process (false once `.local/` was deleted under it). */
  held(): Promise<boolean>;
  /** Removes the lock and the stack file, only if this process still owns them. */
  release(onRelease?: () => Promise<void>): Promise<void>;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const lockOwner = async (path: string): Promise<number | undefined> => {
  try {
    const pid = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

const describeRunning = async (dataDir: string): Promise<string> => {
  const running = await readStackFile(dataDir);
  if (!running) return '';
  return `: webhook ${running.webhookUrl}${running.browserUrl ? `, browser ${running.browserUrl}` : ''}`;
};

export const claimDataDir = async (dataDir: string, pid = process.pid): Promise<DataDirLock> => {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const file = await open(path, 'wx', 0o600);
      await file.writeFile(`${pid}\n`);
      await file.close();
      const held = async () => (await lockOwner(path)) === pid;
      return {
        held,
        release: async (onRelease) => {
          if (!(await held())) return;
          await onRelease?.();
          await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await lockOwner(path);
      if (owner !== undefined && owner !== pid && isAlive(owner)) {
        throw new DataDirInUseError(dataDir, owner, await describeRunning(dataDir));
      }
      // The owner died without cleaning up (SIGKILL, power loss): its lock is stale.
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not lock ${path}`);
};
