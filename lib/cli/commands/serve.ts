import { once } from 'node:events';
import { join } from 'node:path';
import { createArchiveBrowser } from '../../browser/archive-browser.ts';
import { startArchiveBrowserServer } from '../../browser/server.ts';
import { createThumbnailer } from '../../browser/thumbnails.ts';
import type { ParsedCommand } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { describeFailure, type FailureContext } from '../failure.ts';
import { writeLine } from '../format.ts';

type ServeOptions = Extract<ParsedCommand, { command: 'serve' }>;

const untilSignal = (): Promise<void> =>
  Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]).then(() => undefined);

/**
 * Serves the read-only archive browser until SIGINT/SIGTERM (or `until` settles). The S3 client
 * and its credentials stay in this process: the page gets media through a streaming proxy. The
 * printed link carries a token made for this start; on any host, loopback or not, every request
 * needs it.
 */
export const runServe = async (
  options: ServeOptions,
  context: CommandContext,
  settings: {
    prefix: string;
    /** Bucket and endpoint, for the same one-line explanations as the other commands. */
    failure?: FailureContext;
    until?: Promise<void>;
    onListening?: (url: string) => void;
    /** Where thumbnails are kept; default `.local/thumbnails` under the working directory. */
    thumbnailDir?: string;
  },
): Promise<void> => {
  const failure = settings.failure ?? { local: options.local, bucket: context.bucket };
  const browser = createArchiveBrowser({
    reader: context.reader,
    prefix: settings.prefix,
    allowedHosts: [options.host],
    thumbnails: createThumbnailer({
      cacheDir: settings.thumbnailDir ?? join(context.cwd, '.local', 'thumbnails'),
    }),
    describeError: (error) => describeFailure(error, failure).message,
    onError: (error) =>
      context.stderr.write(`media-archive serve: ${describeFailure(error, failure).message}\n`),
  });
  const server = await startArchiveBrowserServer({
    browser,
    port: options.port,
    host: options.host,
    allowedHosts: [options.host],
  });
  try {
    await writeLine(context.stdout, `archive browser (read-only): ${server.url}`);
    settings.onListening?.(server.url);
    await (settings.until ?? untilSignal());
  } finally {
    await server.close();
  }
};
