import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../lib/domain/bytes.ts';

describe('formatBytes', () => {
  it('keeps whole bytes below 1 KiB', () => {
    // Assess
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
  });

  it('uses binary units, one decimal below 10 and none from 10', () => {
    // Assess
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12 * 1024 * 1024)).toBe('12 MiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });

  it('stops at PiB rather than running out of units', () => {
    // Assess
    expect(formatBytes(2048 * 1024 ** 5)).toBe('2048 PiB');
  });
});
