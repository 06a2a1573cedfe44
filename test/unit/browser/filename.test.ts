import { describe, expect, it } from 'vitest';
import { neutraliseFilename } from '../../../lib/browser/filename.ts';

describe('neutraliseFilename', () => {
  it('replaces bidi overrides, isolates and marks with a visible underscore', () => {
    // Act
    const names = [
      'invoice\u202efdp.exe',
      'a\u202ab\u202bc\u202cd\u202de.txt',
      'x\u2066y\u2067z\u2068w\u2069.png',
      'l\u200er\u200f.jpg',
    ].map(neutraliseFilename);

    // Assess
    expect(names).toEqual(['invoice_fdp.exe', 'a_b_c_d_e.txt', 'x_y_z_w_.png', 'l_r_.jpg']);
  });

  it('replaces C0 and C1 controls, DEL and path separators; keeps other Unicode', () => {
    // Act
    const controls = neutraliseFilename('a\u0000b\r\nc\u001bd\u007fe\u0085f\u009fg.pdf');
    const paths = neutraliseFilename('../../etc/passwd');
    const windows = neutraliseFilename('..\\boot.ini');
    const unicode = neutraliseFilename('café 写真.jpg');

    // Assess
    expect(controls).toBe('a_b__c_d_e_f_g.pdf');
    expect(paths).toBe('.._.._etc_passwd');
    expect(windows).toBe('.._boot.ini');
    expect(unicode).toBe('café 写真.jpg');
  });

  it('gives no name when nothing usable is left, and caps the length', () => {
    // Act
    const long = neutraliseFilename(`${'é'.repeat(300)}.jpg`);

    // Assess
    expect(neutraliseFilename(undefined)).toBeUndefined();
    expect(neutraliseFilename('  ')).toBeUndefined();
    expect(neutraliseFilename('..')).toBeUndefined();
    expect(Array.from(long ?? '')).toHaveLength(200);
  });
});
