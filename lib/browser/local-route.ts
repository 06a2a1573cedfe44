import { join } from 'node:path';
import type { ArchiveReader } from '../ports/archive-reader.ts';
import { createArchiveBrowser } from './archive-browser.ts';
import { type ArchiveBrowserServer, startArchiveBrowserServer } from './server.ts';
import { createThumbnailer } from './thumbnails.ts';

export const ARCHIVE_BROWSER_PATH = '/archive';

/**
 * `npm start`'s browser: its own loopback port (ARCHIVE_BROWSER_PORT), never the webhook port
 * that a tunnel exposes; thumbnails cached in the stack's data directory. lib/compose/browser.ts
 * gives it the stack's reader.
 */
export const startLocalArchiveBrowserOver = (
  stack: { reader: ArchiveReader; archivePrefix: string },
  options: { port: number; dataDir: string; token?: string },
): Promise<ArchiveBrowserServer> =>
  startArchiveBrowserServer({
    browser: createArchiveBrowser({
      reader: stack.reader,
      prefix: stack.archivePrefix,
      basePath: ARCHIVE_BROWSER_PATH,
      thumbnails: createThumbnailer({ cacheDir: join(options.dataDir, 'thumbnails') }),
      onError: (error) =>
        console.error('archive browser:', (error as Error).name, (error as Error).message),
    }),
    port: options.port,
    host: '127.0.0.1',
    basePath: ARCHIVE_BROWSER_PATH,
    ...(options.token !== undefined ? { token: options.token } : {}),
  });
