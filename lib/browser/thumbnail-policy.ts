/**
 * Which images may be decoded for a thumbnail, decided from the header alone (sharp's
 * `metadata()`), before a single pixel is decoded. A few hundred KB of compressed PNG can claim
 * 100 megapixels; what it costs depends on whether the decoder can shrink while it reads.
 *
 * Measured with sharp 0.35 / libvips 8.18 (9990×9990, one render, peak RSS over a warm process):
 * baseline JPEG +7 MB (libjpeg scales by 1/8 while decoding), non-interlaced PNG +52 MB (streamed,
 * but it is all decoded), interlaced PNG +321 MB, progressive JPEG +293 MB (whole-image coefficient
 * buffers), GIF +456 MB; lossless WebP (16383²) +130 MB. So only a baseline JPEG may be larger
 * than `maxDecodePixels`; every other format is decoded whole and must fit under it.
 */
export interface ImageHeader {
  format?: string;
  width?: number;
  height?: number;
  /** sharp's name for a PNG's Adam7 interlace and a JPEG's progressive scan. */
  isProgressive?: boolean;
}

export interface ThumbnailLimits {
  /** Pixels any source may claim (also sharp's `limitInputPixels`). */
  maxSourcePixels: number;
  /** Pixels a decoder that cannot shrink on load may produce. */
  maxDecodePixels: number;
}

export type ThumbnailDecision = { render: true } | { render: false; reason: string };

/**
 * 16 megapixels (4096×4096): one whole decode stays near 50–75 MB at the 3–4.6 bytes per pixel
 * measured above (8 at worst, 16-bit or CMYK: ~130 MB), one at a time; 12 MP camera pictures and
 * 4K/5K screenshots still get a thumbnail.
 */
export const DEFAULT_MAX_DECODE_PIXELS = 4096 * 4096;
export const DEFAULT_MAX_SOURCE_PIXELS = 100_000_000;

/** What the tiles show (media-policy's inline images); sharp names AVIF `heif`. */
const THUMBNAIL_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'heif']);

const megapixels = (pixels: number): string => `${(pixels / 1_000_000).toFixed(1)} MP`;

export const decideThumbnail = (
  header: ImageHeader,
  limits: ThumbnailLimits,
): ThumbnailDecision => {
  const { format, width, height, isProgressive } = header;
  if (!format || !THUMBNAIL_FORMATS.has(format)) {
    return { render: false, reason: `no thumbnails are made of ${format ?? 'this'} format` };
  }
  if (!width || !height) return { render: false, reason: 'the image has no size' };
  const pixels = width * height;
  if (pixels > limits.maxSourcePixels) {
    return { render: false, reason: `the image claims ${megapixels(pixels)}` };
  }
  if (format === 'png' && isProgressive) {
    return { render: false, reason: 'an interlaced PNG is decoded whole, whatever its size' };
  }
  if (format === 'jpeg' && !isProgressive) return { render: true };
  if (pixels > limits.maxDecodePixels) {
    return {
      render: false,
      reason: `decoding ${megapixels(pixels)} of ${isProgressive ? 'progressive ' : ''}${format} whole is above ${megapixels(limits.maxDecodePixels)}`,
    };
  }
  return { render: true };
};
