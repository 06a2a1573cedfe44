import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ArchiveReader } from '../cli/archive-reader.ts';
import { COMMON_HEADERS, MEDIA_CSP, sendText } from './http.ts';
import { ThumbnailError, type Thumbnailer } from './thumbnails.ts';

type ThumbnailReader = Pick<ArchiveReader, 'openConditional'>;

/** Our own constant picture for images the library cannot decode (BMP, a damaged file). */
const NO_PREVIEW_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48" width="96" height="96"><path d="M10 4h20l10 10v30H10z" fill="none" stroke="#667" stroke-width="2.5" stroke-linejoin="round"/><path d="M30 4v10h10" fill="none" stroke="#667" stroke-width="2.5" stroke-linejoin="round"/><path d="M16 36l6-8 4 5 3-3 5 6z" fill="#667"/></svg>';

const isMissing = (error: unknown): boolean => {
  const { name, $metadata } = (error ?? {}) as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
};

/**
 * A tile's image: one HEAD for the object's ETag (is it still archived, which version), then the
 * cached thumbnail. Its own ETag derives from the object's, so a reload costs a HEAD and a 304.
 */
export const serveThumbnail = async (
  req: IncomingMessage,
  res: ServerResponse,
  reader: ThumbnailReader,
  thumbnailer: Thumbnailer,
  key: string,
): Promise<void> => {
  let head: Awaited<ReturnType<ThumbnailReader['openConditional']>>;
  try {
    head = await reader.openConditional(key, { headOnly: true });
  } catch (error) {
    if (isMissing(error)) return sendText(res, 404, 'not in the archive\n');
    throw error;
  }
  if (head.notModified || !head.etag) return sendText(res, 404, 'not in the archive\n');
  const etag = `"t${head.etag.replace(/"/g, '')}"`;
  const caching = { ...COMMON_HEADERS, 'cache-control': 'private, no-cache', etag };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, caching);
    return void res.end();
  }
  let thumbnail: Buffer;
  try {
    thumbnail = await thumbnailer.thumbnail(key, head.etag, async () => {
      const media = await reader.openConditional(key, {});
      if (media.notModified || !media.body) throw new ThumbnailError('the media has no body');
      return media.body;
    });
  } catch (error) {
    if (error instanceof ThumbnailError) {
      // The tile still shows something; the original stays one click away.
      res.writeHead(200, {
        ...COMMON_HEADERS,
        'content-type': 'image/svg+xml',
        'content-length': Buffer.byteLength(NO_PREVIEW_SVG),
        'content-security-policy': MEDIA_CSP,
        'cache-control': 'no-store',
      });
      return void res.end(req.method === 'HEAD' ? undefined : NO_PREVIEW_SVG);
    }
    if (isMissing(error)) return sendText(res, 404, 'not in the archive\n');
    throw error;
  }
  res.writeHead(200, {
    ...caching,
    'content-type': 'image/webp',
    'content-length': thumbnail.length,
    'content-security-policy': MEDIA_CSP,
  });
  res.end(req.method === 'HEAD' ? undefined : thumbnail);
};
