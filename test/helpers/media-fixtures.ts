import { createHash } from 'node:crypto';

/**
 * Deterministic pseudo-random bytes (mulberry32 seeded by `seed`): the same (size, seed) always
 * gives the same Buffer, different seeds differ, and 16 MB takes milliseconds.
 */
export const makeMediaBody = (size: number, seed = 1): Buffer => {
  const buffer = Buffer.allocUnsafe(size);
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const whole = size - (size % 4);
  for (let offset = 0; offset < whole; offset += 4) buffer.writeUInt32LE(next(), offset);
  for (let offset = whole; offset < size; offset += 1) buffer[offset] = next() & 0xff;
  return buffer;
};

export const sha256Hex = (buffer: Buffer | Uint8Array): string =>
  createHash('sha256').update(buffer).digest('hex');

/** A media seed (for the Twilio emulator) with a deterministic body. */
export const makeSeedMedia = (
  options: { size?: number; seed?: number; contentType?: string; filename?: string } = {},
): { contentType: string; body: Buffer; filename?: string } => ({
  contentType: options.contentType ?? 'image/jpeg',
  body: makeMediaBody(options.size ?? 1024, options.seed ?? 1),
  ...(options.filename === undefined ? {} : { filename: options.filename }),
});
