import { createArchiveBrowser } from '../browser/archive-browser.ts';
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
