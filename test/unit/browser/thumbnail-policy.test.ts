import { describe, expect, it } from 'vitest';
import { decideThumbnail, type ImageHeader } from '../../../lib/browser/thumbnail-policy.ts';

const LIMITS = { maxSourcePixels: 100_000_000, maxDecodePixels: 16_000_000 };
const header = (
  format: string,
  width: number,
  height: number,
  isProgressive = false,
): ImageHeader => ({
  format,
  width,
  height,
  isProgressive,
});

describe('decideThumbnail', () => {
  it('renders ordinary pictures of every format the tiles show', () => {
    // Prepare
    const headers = [
      header('jpeg', 4032, 3024),
      header('jpeg', 1600, 1200, true),
      header('png', 1290, 2796),
      header('gif', 480, 270),
      header('webp', 2000, 2000),
      header('heif', 4000, 3000),
    ];

    // Act
    const decisions = headers.map((item) => decideThumbnail(item, LIMITS));

    // Assess
    expect(decisions).toEqual(headers.map(() => ({ render: true })));
  });

  it('refuses an interlaced PNG whatever its size: it is decoded whole', () => {
    // Act
    const bomb = decideThumbnail(header('png', 9990, 9990, true), LIMITS);
    const small = decideThumbnail(header('png', 64, 64, true), LIMITS);

    // Assess
    expect(bomb).toEqual({ render: false, reason: expect.stringContaining('interlaced PNG') });
    expect(small).toEqual(bomb);
  });

  it('lets only a baseline JPEG decode above the limit, since it alone shrinks on load', () => {
    // Prepare
    const above = (format: string, progressive = false) => header(format, 5000, 4000, progressive);

    // Act
    const baseline = decideThumbnail(above('jpeg'), LIMITS);
    const refused = [
      above('jpeg', true),
      above('png'),
      above('gif'),
      above('webp'),
      above('heif'),
    ].map((item) => decideThumbnail(item, LIMITS));
    const atLimit = decideThumbnail(header('png', 4000, 4000), LIMITS);

    // Assess
    expect(baseline).toEqual({ render: true });
    expect(refused).toEqual(
      refused.map(() => ({
        render: false,
        reason: expect.stringMatching(/20\.0 MP .* above 16\.0 MP/),
      })),
    );
    expect((refused[0] as { reason: string }).reason).toContain('progressive jpeg');
    expect(atLimit).toEqual({ render: true });
  });

  it('refuses formats the tiles do not show, a header without a size and too many claimed pixels', () => {
    // Act
    const decisions = [
      decideThumbnail(header('tiff', 100, 100), LIMITS),
      decideThumbnail(header('svg', 100, 100), LIMITS),
      decideThumbnail({ width: 100, height: 100 }, LIMITS),
      decideThumbnail({ format: 'png' }, LIMITS),
      decideThumbnail(header('jpeg', 20_000, 10_000), LIMITS),
    ];

    // Assess
    expect(decisions.map((decision) => decision.render)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(decisions.map((decision) => !decision.render && decision.reason)).toEqual([
      'no thumbnails are made of tiff format',
      'no thumbnails are made of svg format',
      'no thumbnails are made of this format',
      'the image has no size',
      'the image claims 200.0 MP',
    ]);
  });
});
