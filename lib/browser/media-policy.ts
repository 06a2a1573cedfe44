import { neutraliseFilename } from './filename.ts';

/**
 * How an archived media may be shown. The content type was chosen by the sender, so only types a
 * browser renders without running anything are served inline; everything else (SVG and HTML
 * included: they can carry script) is an attachment of type application/octet-stream.
 */
export type Preview = 'image' | 'audio' | 'video' | 'pdf' | 'none';

const INLINE_IMAGES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/bmp',
  'image/avif',
]);

const TOKEN = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/** `type/subtype`, lower case, parameters dropped; `undefined` when it is not a media type. */
export const essenceOf = (contentType: string | undefined): string | undefined => {
  const essence = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  return essence && TOKEN.test(essence) ? essence : undefined;
};

/** What a page may embed for this type. */
export const previewFor = (contentType: string | undefined): Preview => {
  const essence = essenceOf(contentType);
  if (!essence) return 'none';
  if (INLINE_IMAGES.has(essence)) return 'image';
  if (essence === 'application/pdf') return 'pdf';
  if (essence.startsWith('audio/')) return 'audio';
  if (essence.startsWith('video/')) return 'video';
  return 'none';
};

export interface ServedAs {
  contentType: string;
  disposition: 'inline' | 'attachment';
}

/**
 * A PDF is a download: Chromium's viewer does not run under `Content-Security-Policy: sandbox`,
 * and without the sandbox a PDF's scripts would run on the archive's origin.
 */
export const servedAs = (contentType: string | undefined): ServedAs => {
  const preview = previewFor(contentType);
  if (preview === 'none')
    return { contentType: 'application/octet-stream', disposition: 'attachment' };
  return {
    contentType: essenceOf(contentType) as string,
    disposition: preview === 'pdf' ? 'attachment' : 'inline',
  };
};

/** RFC 6266 / 8187: an ASCII fallback plus the UTF-8 original name (neutralised) when known. */
export const contentDisposition = (
  disposition: ServedAs['disposition'],
  keyBasename: string,
  originalFilename: string | undefined,
): string => {
  const fallback = keyBasename.replace(/[^A-Za-z0-9._-]/g, '_');
  const name = neutraliseFilename(originalFilename);
  const original = name
    ? `; filename*=UTF-8''${encodeURIComponent(name).replace(
        /['()*!]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      )}`
    : '';
  return `${disposition}; filename="${fallback}"${original}`;
};
