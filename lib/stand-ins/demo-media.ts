import { deflateSync } from 'node:zlib';

// Real, small files for the demo and the archive browser's end-to-end test: valid PNG and GIF
// images a browser decodes, and a one-page PDF. Generated, so the repository ships no binaries.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

const crc32 = (bytes: Buffer): number => {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
};

const pngChunk = (type: string, data: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
};

/** A width×height RGB PNG with a diagonal gradient in the given base colour. */
export const makePng = (width: number, height: number, rgb: [number, number, number]): Buffer => {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit depth, truecolour, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const shade = ((x + y) * 255) / (width + height);
      rows[row + 1 + x * 3] = (rgb[0] + shade) % 256;
      rows[row + 2 + x * 3] = (rgb[1] + shade / 2) % 256;
      rows[row + 3 + x * 3] = rgb[2];
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
};

const GIF_PALETTE = [
  [255, 255, 255], // paper
  [20, 40, 120], // ink
  [200, 200, 200], // the line signed on
  [200, 30, 30], // the cross before it
];

/** Which colour each pixel of the "signature" takes: a wave of ink above a grey line. */
const signaturePixel = (x: number, y: number, width: number, height: number): number => {
  const wave = Math.round(height * 0.45 + Math.sin((x / width) * Math.PI * 3) * height * 0.25);
  if (x > 8 && x < width - 4 && Math.abs(y - wave) <= 1) return 1;
  if (y === height - 6 && x > 4) return 2;
  if (
    y >= height - 10 &&
    y <= height - 6 &&
    x <= 4 &&
    (x === y - (height - 10) || x === height - 6 - y)
  ) {
    return 3;
  }
  return 0;
};

/**
 * A width×height GIF (default 64×40) of a signature on a line: visible, opaque, a few hundred
 * bytes. The LZW stream sends a clear code before every two pixels, so codes stay 3 bits wide
 * and no table is needed: valid for every decoder, just not compressed.
 */
export const makeGif = (width = 64, height = 40): Buffer => {
  const CLEAR = 4;
  const END = 5;
  const bytes: number[] = [];
  let bits = 0;
  let filled = 0;
  const put = (code: number) => {
    bits |= code << filled;
    filled += 3;
    while (filled >= 8) {
      bytes.push(bits & 0xff);
      bits >>= 8;
      filled -= 8;
    }
  };
  for (let n = 0; n < width * height; n++) {
    if (n % 2 === 0) put(CLEAR);
    put(signaturePixel(n % width, Math.floor(n / width), width, height));
  }
  put(END);
  if (filled > 0) bytes.push(bits & 0xff);
  const blocks: number[] = [];
  for (let at = 0; at < bytes.length; at += 255) {
    const block = bytes.slice(at, at + 255);
    blocks.push(block.length, ...block);
  }
  const size = (value: number) => [value & 0xff, value >> 8];
  return Buffer.from([
    ...Buffer.from('GIF89a', 'ascii'),
    ...size(width),
    ...size(height),
    0b1000_0001, // a global colour table of 4 entries
    0,
    0,
    ...GIF_PALETTE.flat(),
    0x2c, // image descriptor: the whole canvas, no local table, not interlaced
    ...size(0),
    ...size(0),
    ...size(width),
    ...size(height),
    0,
    2, // LZW minimum code size
    ...blocks,
    0,
    0x3b,
  ]);
};

/** A minimal one-page PDF saying `text`. */
export const makePdf = (text: string): Buffer => {
  const safe = text.replace(/[()\\]/g, '');
  const stream = `BT /F1 18 Tf 40 100 Td (${safe}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
};
