import { describe, expect, it } from 'vitest';
import type { ArchiveEntry } from '../../../lib/cli/archive-reader.ts';
import {
  addToStats,
  emptyStats,
  formatBytes,
  formatLsLine,
  formatStats,
  toListedMedia,
} from '../../../lib/cli/format.ts';

const entry = (overrides: Partial<ArchiveEntry> = {}): ArchiveEntry => ({
  key: 'media/AC/2025/03/14/MM/ME.jpg',
  accountSid: 'AC',
  messageSid: 'MM',
  mediaSid: 'ME',
  day: '2025-03-14',
  extension: '.jpg',
  contentType: 'image/jpeg',
  size: 2048,
  archivedAt: new Date('2025-03-14T10:00:05Z'),
  ...overrides,
});

describe('format', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [5 * 1024 * 1024, '5.0 MiB'],
    [123 * 1024 ** 3, '123 GiB'],
  ])('formatBytes(%d) = %s', (bytes, text) => {
    // Act & Assess
    expect(formatBytes(bytes)).toBe(text);
  });

  it('prints an ls line as key, size, type, day without details', () => {
    // Act
    const line = formatLsLine(toListedMedia(entry()));

    // Assess
    expect(line).toBe('media/AC/2025/03/14/MM/ME.jpg\t2048\timage/jpeg\t2025-03-14');
  });

  it('prefers the stored type and exact time with details, octet-stream when unknown', () => {
    // Act
    const detailed = toListedMedia(entry(), {
      contentType: 'image/pjpeg',
      receivedAt: '2025-03-14T10:00:00.000Z',
      originalFilename: 'a.jpg',
      sha256: undefined,
      size: 2048,
    });
    const unknown = toListedMedia(entry({ contentType: undefined, extension: '' }));

    // Assess
    expect(formatLsLine(detailed)).toMatch(/\timage\/pjpeg\t2025-03-14T10:00:00.000Z$/);
    expect(detailed.originalFilename).toBe('a.jpg');
    expect(unknown.contentType).toBe('application/octet-stream');
    expect(unknown.receivedAt).toBeNull();
  });

  it('tallies by content type and day, and prints them sorted', () => {
    // Prepare
    const stats = emptyStats(['2025-03-14', '2025-03-15'], ['AC']);

    // Act
    addToStats(stats, entry());
    addToStats(stats, entry({ size: 100 }));
    addToStats(stats, entry({ day: '2025-03-15', contentType: 'application/pdf', size: 10 }));
    const text = formatStats(stats);

    // Assess
    expect(stats).toMatchObject({
      count: 3,
      bytes: 2158,
      byContentType: { 'image/jpeg': { count: 2, bytes: 2148 }, 'application/pdf': { count: 1 } },
      byDay: { '2025-03-14': { count: 2 }, '2025-03-15': { count: 1, bytes: 10 } },
    });
    expect(text.split('\n')).toEqual([
      'period      2025-03-14 .. 2025-03-15 (UTC)',
      'media       3',
      'bytes       2158 (2.1 KiB)',
      'by content type',
      '  image/jpeg       2  2.1 KiB',
      '  application/pdf  1  10 B',
      'by day',
      '  2025-03-14  2  2.1 KiB',
      '  2025-03-15  1  10 B',
    ]);
  });

  it('tallies by account and prints the accounts only when there is more than one', () => {
    // Prepare
    const stats = emptyStats(['2025-03-14'], ['ACmain', 'ACsub']);

    // Act
    addToStats(stats, entry({ accountSid: 'ACsub', size: 10 }));
    addToStats(stats, entry({ accountSid: 'ACmain', size: 20 }));
    addToStats(stats, entry({ accountSid: 'ACsub', size: 30 }));
    const text = formatStats(stats);

    // Assess
    expect(stats.byAccount).toEqual({
      ACmain: { count: 1, bytes: 20 },
      ACsub: { count: 2, bytes: 40 },
    });
    expect(text).toContain('by account\n  ACmain  1  20 B\n  ACsub   2  40 B');
  });
});
