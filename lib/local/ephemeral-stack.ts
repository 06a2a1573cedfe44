import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLocalStackConfig } from '../config/local.ts';
import { type LocalStack, type LocalStackHooks, startLocalStack } from './local-stack.ts';

export interface EphemeralStackOptions {
  /** Names the temp directory (`media-archiver-demo-` → `/tmp/media-archiver-demo-XXXXXX`). */
  prefix: string;
  /** Overrides of the local-stack variables (e.g. `LOCAL_VISIBILITY_TIMEOUT`). */
  env?: Record<string, string>;
  hooks?: LocalStackHooks;
  /** Keep the data here instead of a temp directory removed on close (`npm run demo -- --keep`). */
  keepIn?: string;
}

/**
 * The whole local stack in demo mode on free ports, whatever the caller's Twilio settings (so it
 * runs anywhere), with its data in a fresh temp directory that `close()` removes.
 */
export const startEphemeralStack = async (
  options: EphemeralStackOptions,
): Promise<LocalStack & { dataDir: string }> => {
  const dataDir = options.keepIn ?? (await mkdtemp(join(tmpdir(), options.prefix)));
  const removeData = async () => {
    if (!options.keepIn) await rm(dataDir, { recursive: true, force: true });
  };
  const config = readLocalStackConfig({
    LOCAL_S3_PORT: '0',
    LOCAL_SQS_PORT: '0',
    PORT: '0',
    LOCAL_TWILIO_PORT: '0',
    LOCAL_TWILIO_CDN_PORT: '0',
    LOCAL_DATA_DIR: dataDir,
    LOCAL_VISIBILITY_TIMEOUT: '2',
    ...options.env,
  });
  let stack: LocalStack;
  try {
    stack = await startLocalStack(config, options.hooks);
  } catch (error) {
    await removeData();
    throw error;
  }
  return {
    ...stack,
    dataDir,
    close: async () => {
      await stack.close();
      await removeData();
    },
  };
};
