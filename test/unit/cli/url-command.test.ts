import { describe, expect, it } from 'vitest';
import { presignedResponseFor } from '../../../lib/cli/commands/url.ts';

const KEY = `media/AC${'a'.repeat(32)}/2026/11/26/MM${'1'.repeat(32)}/ME${'2'.repeat(32)}`;

describe('presignedResponseFor', () => {
  it('signs anything but safe images, audio, video and PDF as an octet-stream download', () => {
    // Act
    const html = presignedResponseFor(`${KEY}.html`, 'text/html', 'invoice\u202efdp.exe');
    const svg = presignedResponseFor(`${KEY}.svg`, 'image/svg+xml', undefined);
    const unknown = presignedResponseFor(`${KEY}.bin`, undefined, undefined);

    // Assess
    expect(html).toEqual({
      contentDisposition: `attachment; filename="ME${'2'.repeat(32)}.html"; filename*=UTF-8''invoice_fdp.exe`,
      contentType: 'application/octet-stream',
    });
    expect(svg.contentDisposition).toMatch(/^attachment; filename="ME2+\.svg"$/);
    expect(unknown.contentType).toBe('application/octet-stream');
  });

  it('leaves safe types as they were archived', () => {
    // Assess
    for (const type of ['image/jpeg', 'image/png', 'audio/ogg', 'video/mp4', 'application/pdf']) {
      expect(presignedResponseFor(`${KEY}.x`, type, 'a.x'), type).toEqual({});
    }
  });
});
