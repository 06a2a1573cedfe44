import { describe, expect, it } from 'vitest';
import {
  contentDisposition,
  essenceOf,
  previewFor,
  servedAs,
} from '../../../lib/browser/media-policy.ts';

describe('media policy', () => {
  it('embeds only images a browser decodes without script, PDFs, audio and video', () => {
    // Act
    const previews = [
      'image/png',
      'IMAGE/JPEG; charset=x',
      'image/gif',
      'application/pdf',
      'audio/ogg',
      'video/mp4',
      'image/svg+xml',
      'text/html',
      'image/tiff',
      'text/vcard',
      undefined,
      'not a type',
    ].map(previewFor);

    // Assess
    expect(previews).toEqual([
      'image',
      'image',
      'image',
      'pdf',
      'audio',
      'video',
      'none',
      'none',
      'none',
      'none',
      'none',
      'none',
    ]);
  });

  it('serves SVG, HTML and unknown types as octet-stream attachments', () => {
    // Assess
    for (const type of ['image/svg+xml', 'text/html', 'application/xhtml+xml', undefined]) {
      expect(servedAs(type)).toEqual({
        contentType: 'application/octet-stream',
        disposition: 'attachment',
      });
    }
    expect(servedAs('image/PNG')).toEqual({ contentType: 'image/png', disposition: 'inline' });
    // PDFs: downloads (Chromium's viewer cannot run under the sandbox CSP)
    expect(servedAs('application/pdf')).toEqual({
      contentType: 'application/pdf',
      disposition: 'attachment',
    });
    expect(essenceOf('text/html\r\nset-cookie: x')).toBeUndefined();
  });

  it('encodes the sender-chosen file name so it cannot break the header', () => {
    // Act
    const header = contentDisposition('attachment', 'MEx.pdf', 'a"b\r\nc;d é(1).pdf');

    // Assess
    expect(header).toBe(
      `attachment; filename="MEx.pdf"; filename*=UTF-8''a%22b__c%3Bd%20%C3%A9%281%29.pdf`,
    );
    expect(contentDisposition('inline', 'ME"1.png', undefined)).toBe('inline; filename="ME_1.png"');
    expect(contentDisposition('attachment', 'ME1.exe', 'invoice\u202efdp.exe')).toBe(
      `attachment; filename="ME1.exe"; filename*=UTF-8''invoice_fdp.exe`,
    );
  });
});
