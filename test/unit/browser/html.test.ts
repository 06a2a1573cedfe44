import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, trusted } from '../../../lib/browser/html.ts';

describe('html', () => {
  it('escapes every interpolated string, including attribute quotes', () => {
    // Act
    const out = html`<a title="${`"><script>alert('x')</script>`}">${'<b>&</b>'}</a>`.value;

    // Assess
    expect(out).toBe(
      '<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;">&lt;b&gt;&amp;&lt;/b&gt;</a>',
    );
  });

  it('nests fragments without escaping them twice, joins arrays and drops empty values', () => {
    // Act
    const inner = html`<i>${'a<b'}</i>`;
    const out = html`<p>${inner}${[html`<br>`, 'x&y']}${undefined}${null}${false}${0}</p>`.value;

    // Assess
    expect(out).toBe('<p><i>a&lt;b</i><br>x&amp;y0</p>');
    expect(html`${trusted('<hr>')}`.value).toBe('<hr>');
  });

  it('never lets markup characters through, whatever the text', () => {
    // Assess
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const escaped = escapeHtml(text);
        expect(escaped).not.toMatch(/[<>"'`]/);
        expect(escaped.replace(/&(amp|lt|gt|quot|#39|#96);/g, '')).not.toContain('&');
      }),
    );
  });
});
