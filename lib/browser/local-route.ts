import type { S3Client } from '@aws-sdk/client-s3';
import { createArchiveReader } from '../cli/archive-reader.ts';
import type { RawRoute } from '../local/http-api-gateway.ts';
import { createArchiveBrowser } from './archive-browser.ts';

export const ARCHIVE_BROWSER_PATH = '/archive';

/** The browser as a raw route of the local stack (`LocalStackHooks.rawRoutes`). */
export const archiveBrowserRoutes = (stack: {
  s3: S3Client;
  bucket: string;
  archivePrefix: string;
  accountSid: string;
}): Record<string, RawRoute> => ({
  [ARCHIVE_BROWSER_PATH]: createArchiveBrowser({
    reader: createArchiveReader({
      s3: stack.s3,
      bucket: stack.bucket,
      prefix: stack.archivePrefix,
      accountSid: stack.accountSid,
    }),
    prefix: stack.archivePrefix,
    basePath: ARCHIVE_BROWSER_PATH,
    onError: (error) =>
      console.error('archive browser:', (error as Error).name, (error as Error).message),
  }),
});
