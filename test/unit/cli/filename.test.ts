import { describe, expect, it } from 'vitest';
import { keyBasename, safeFilename } from '../../../lib/cli/filename.ts';

describe('safeFilename', () => {
  it.each([
    ['café photo.jpg', 'café photo.jpg'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\x\\report.pdf', 'report.pdf'],
    ['.bashrc', 'bashrc'],
    ['a\u0000b\nc.txt', 'abc.txt'],
    ['..', undefined],
    ['dir/', undefined],
    [undefined, undefined],
  ])('%j → %j', (input, expected) => {
    // Act & Assess
    expect(safeFilename(input)).toBe(expected);
  });

  it('takes the key basename as fallback', () => {
    // Act & Assess
    expect(keyBasename('media/AC1/2025/01/02/MM1/ME1.jpg')).toBe('ME1.jpg');
  });
});
