import type { S3Client } from '@aws-sdk/client-s3';
import { createArchiveReader } from '../adapters/s3/s3-archive-reader.ts';
import { createArchiveBrowser } from '../browser/archive-browser.ts';
import { startLocalArchiveBrowserOver } from '../browser/local-route.ts';
import { startArchiveBrowserServer } from '../browser/server.ts';
import { createThumbnailer } from '../browser/thumbnails.ts';
import type { ArchiveReader } from '../ports/archive-reader.ts';

/** `media-archive serve`: the archive browser, its thumbnails and its own server, wired once. */
export const startArchiveBrowserFor = (settings: {
  reader: ArchiveReader;
  prefix: string;
  host: string;
  port: number;
  thumbnailDir: string;
  describeError: (error: unknown) => string;
  onError: (error: unknown) => void;
}) =>
  startArchiveBrowserServer({
    browser: createArchiveBrowser({
      reader: settings.reader,
      prefix: settings.prefix,
      allowedHosts: [settings.host],
      thumbnails: createThumbnailer({ cacheDir: settings.thumbnailDir }),
      describeError: settings.describeError,
      onError: settings.onError,
    }),
    port: settings.port,
    host: settings.host,
    allowedHosts: [settings.host],
  });

/** `npm start`'s browser over the local stack's S3, narrowed to the stack's account. */
export const startLocalArchiveBrowser = (
  stack: { s3: S3Client; bucket: string; archivePrefix: string; accountSid: string },
  options: { port: number; dataDir: string; token?: string },
) =>
  startLocalArchiveBrowserOver(
    {
      reader: createArchiveReader({
        s3: stack.s3,
        bucket: stack.bucket,
        prefix: stack.archivePrefix,
        accountSid: stack.accountSid,
      }),
      archivePrefix: stack.archivePrefix,
    },
    options,
  );
