import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeGif } from '../../../lib/stand-ins/demo-media.ts';

/** Every pixel as `r,g,b[,a]`, decoded by libvips (sharp), not by our own code. */
const decode = async (image: Buffer) => {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const pixels: string[] = [];
  for (let at = 0; at < data.length; at += info.channels) {
    pixels.push([...data.subarray(at, at + info.channels)].join(','));
  }
  return { info, pixels };
};

describe('makeGif', () => {
  it('decodes to an opaque image with a visible drawing, not a blank square', async () => {
    // Act
    const { info, pixels } = await decode(makeGif());

    // Assess
    expect([info.width, info.height]).toEqual([64, 40]);
    expect(info.hasAlpha).toBe(false);
    const counts = new Map<string, number>();
    for (const pixel of pixels) counts.set(pixel, (counts.get(pixel) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([
      '20,40,120',
      '200,200,200',
      '200,30,30',
      '255,255,255',
    ]);
    // The ink is a stroke across the image, not a stray pixel.
    expect(counts.get('20,40,120')).toBeGreaterThan(pixels.length / 20);
  });

  it('keeps its size for another canvas', async () => {
    // Act
    const { info, pixels } = await decode(makeGif(101, 33));

    // Assess
    expect([info.width, info.height]).toEqual([101, 33]);
    expect(new Set(pixels).size).toBeGreaterThan(1);
  });
});
