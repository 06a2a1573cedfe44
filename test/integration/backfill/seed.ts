import { Writable } from 'node:stream';
import type { SeedMessage } from '../../../lib/stand-ins/twilio-emulator.ts';

/** mulberry32: a seeded generator, so every run seeds the same messages. */
export const seededRandom = (seed: number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

/** 0–10 media, mostly few (keeps 2,500 messages fast), sometimes the full 10. */
export const mediaCount = (u: number): number => {
  if (u < 0.35) return 0;
  if (u < 0.75) return 1;
  if (u < 0.9) return 2;
  if (u < 0.97) return 3 + Math.floor(((u - 0.9) / 0.07) * 3);
  return u > 0.995 ? 10 : 6 + Math.floor(((u - 0.97) / 0.025) * 4);
};

const TYPES = ['image/jpeg', 'image/png', 'application/pdf', 'audio/ogg', 'video/mp4'];

/** A message of the seeded corpus on `day`, at a pseudo-random time of that day. */
export const seedMessage = (
  random: () => number,
  day: string,
  n: number,
): SeedMessage & { dateCreated: Date } => {
  const seconds = Math.floor(random() * 86_390);
  const inbound = random() < 0.6;
  const inFlight = !inbound && random() < 0.15;
  const count = mediaCount(random());
  return {
    direction: inbound ? 'inbound' : 'outbound-api',
    ...(inFlight ? { status: random() < 0.5 ? 'sending' : 'queued' } : {}),
    dateCreated: new Date(Date.parse(`${day}T00:00:05Z`) + seconds * 1000),
    media: Array.from({ length: count }, (_, i) => ({
      contentType: TYPES[(n + i) % TYPES.length] as string,
      body: Buffer.from(`m${n}.${i}`),
    })),
  };
};

/** stdout/stderr for `run(argv, io)`, kept as text. */
export const captureStream = () => {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
};
