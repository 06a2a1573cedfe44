import { describe, expect, it } from 'vitest';
import { createPaths } from '../../../lib/browser/paths.ts';

const AC = `AC${'a'.repeat(32)}`;
const MM = `MM${'1'.repeat(32)}`;
const ME = `ME${'2'.repeat(32)}`;
const REST = `${AC}/2026/11/26/${MM}/${ME}.png`;

describe('createPaths', () => {
  it('maps a media key to a URL without the prefix, and back', () => {
    // Prepare
    const paths = createPaths('/archive', 'media/');

    // Act
    const url = paths.media(`media/${REST}`);
    const parts = paths.keyOfMediaPath(REST);

    // Assess
    expect(url).toBe(`/archive/media/${REST}`);
    expect(parts?.key).toBe(`media/${REST}`);
    expect(parts?.mediaSid).toBe(ME);
  });

  it('accepts nothing but a media key of the archive', () => {
    // Prepare
    const paths = createPaths('/archive', 'media/');

    // Act
    const rejected = [
      '../../etc/passwd',
      `${AC}/2026/11/26/${MM}/../${ME}.png`,
      `_index/${MM}/${AC}/2026/11/26`,
      `${AC}/2026/11/26/${MM}/${ME}.png%00`,
      `${AC}/2026/11/26/${MM}/${ME}.p%2Fng`,
      `${AC}/2026/11/26/${MM}`,
      `other/${REST}`,
      `${AC}/2026/11/26/${MM}/${ME}.png/x`,
      '',
    ].map((rest) => paths.keyOfMediaPath(rest));

    // Assess
    expect(rejected.every((parts) => parts === undefined)).toBe(true);
  });

  it('builds page URLs with encoded query values', () => {
    // Prepare
    const paths = createPaths('/archive', 'media/');

    // Assess
    expect(paths.home()).toBe('/archive/');
    expect(paths.home('2026-10')).toBe('/archive/?month=2026-10');
    expect(paths.day('2026-11-26', { account: AC, page: 'a b&c' })).toBe(
      `/archive/day/2026-11-26?account=${AC}&page=a+b%26c`,
    );
    expect(paths.message(MM, '2026-11-26')).toBe(`/archive/message/${MM}?day=2026-11-26`);
  });
});
