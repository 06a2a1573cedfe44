import type { IncomingMessage } from 'node:http';
import { SeedError } from './store.ts';
import type { SeededMessage, SeedMessage } from './types.ts';

/**
 * Emulator-only: `POST /emulator/Messages` adds an incoming message with its media, so a running
 * stack can be given something to archive (`media-archive send-test --local`). It sits behind the
 * emulator's Basic auth, which only the emulator's own demo credentials pass. Not a Twilio API.
 */
export const SEED_PATH = '/emulator/Messages';

/** Generous for a test message, small enough that a stray client cannot fill the memory. */
export const MAX_SEED_BYTES = 64 * 1024 * 1024;

/** The JSON body: media bodies base64-encoded. */
export interface SeedRequest {
  from?: string;
  to?: string;
  body?: string;
  media: { contentType: string; filename?: string; base64: string }[];
}

export class SeedTooLargeError extends Error {
  constructor() {
    super(`seed body over ${MAX_SEED_BYTES} bytes`);
    this.name = 'SeedTooLargeError';
  }
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_SEED_BYTES) throw new SeedTooLargeError();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

const isSeedRequest = (value: unknown): value is SeedRequest => {
  if (typeof value !== 'object' || value === null) return false;
  const { media, from, to, body } = value as Record<string, unknown>;
  const optionalString = (field: unknown) => field === undefined || typeof field === 'string';
  return (
    optionalString(from) &&
    optionalString(to) &&
    optionalString(body) &&
    Array.isArray(media) &&
    media.length >= 1 &&
    media.length <= 10 &&
    media.every(
      (item) =>
        typeof item === 'object' &&
        item !== null &&
        typeof item.contentType === 'string' &&
        /^[\w.+-]+\/[\w.+-]+$/.test(item.contentType) &&
        typeof item.base64 === 'string' &&
        optionalString(item.filename),
    )
  );
};

/** Parses and stores the message; throws `SeedError` for a body that is not a seed request. */
export const seedFromRequest = async (
  req: IncomingMessage,
  add: (seed: SeedMessage) => SeededMessage,
): Promise<SeededMessage> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse((await readBody(req)).toString('utf8'));
  } catch (error) {
    if (error instanceof SeedTooLargeError) throw error;
    throw new SeedError('body is not JSON');
  }
  if (!isSeedRequest(parsed)) {
    throw new SeedError('expected {from?, to?, body?, media: [{contentType, filename?, base64}]}');
  }
  return add({
    direction: 'inbound',
    ...(parsed.from !== undefined ? { from: parsed.from } : {}),
    ...(parsed.to !== undefined ? { to: parsed.to } : {}),
    ...(parsed.body !== undefined ? { body: parsed.body } : {}),
    media: parsed.media.map((item) => ({
      contentType: item.contentType,
      body: Buffer.from(item.base64, 'base64'),
      ...(item.filename !== undefined ? { filename: item.filename } : {}),
    })),
  });
};
