import { createHash, createHmac } from 'node:crypto';

/**
 * A message's participants as keyed pseudonyms: HMAC-SHA256 of each normalized address under a
 * per-deployment secret (`ARCHIVE_PARTICIPANT_KEY`). Without the key the archive names no number;
 * with it, anyone can test whether a given number took part (the key protects against reading
 * numbers off the archive, not against guessing them: a key holder can try every number).
 */

export type ParticipantRole = 'from' | 'to';

export interface Participant {
  role: ParticipantRole;
  /** `sms` for a bare number; otherwise Twilio's address prefix (`whatsapp`, `messenger`, …). */
  channel: string;
  /** Hex HMAC-SHA256 of the normalized address (channel excluded: one number, every channel). */
  id: string;
  /** Which key made `id` (`participantKeyId`), so a rotated key still finds old records. */
  keyId: string;
}

export interface ParticipantKey {
  id: string;
  secret: string;
}

export class InvalidParticipantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Long enough that the pseudonyms cannot be brute-forced by guessing the key itself. */
export const MIN_PARTICIPANT_KEY_CHARS = 32;
const HEX64 = /^[0-9a-f]{64}$/;
const KEY_ID = /^[0-9a-f]{12}$/;
const CHANNEL = /^[a-z][a-z0-9-]{0,19}$/;
const PREFIXED = /^([a-zA-Z][a-zA-Z0-9-]{0,19}):(.+)$/;
const PHONE = /^\+?[0-9]{3,15}$/;

/** A key's public fingerprint: names the key in records without revealing it. */
export const participantKeyId = (secret: string): string =>
  createHash('sha256')
    .update(`twilio-media-archiver/participant-key\0${secret}`)
    .digest('hex')
    .slice(0, 12);

export const participantKeyOf = (secret: string): ParticipantKey => {
  if (secret.length < MIN_PARTICIPANT_KEY_CHARS) {
    throw new InvalidParticipantError(
      `a participant key has at least ${MIN_PARTICIPANT_KEY_CHARS} characters`,
    );
  }
  return { id: participantKeyId(secret), secret };
};

/**
 * `whatsapp:+1 (555) 010-0001` → channel `whatsapp`, address `+15550100001`. Numbers lose their
 * separators (E.164 when they carry `+`; short codes stay digits); other addresses (alphanumeric
 * sender IDs, Messenger IDs) are kept as sent, trimmed.
 */
export const normalizeAddress = (raw: string): { channel: string; address: string } => {
  const trimmed = raw.trim();
  const prefixed = PREFIXED.exec(trimmed);
  const channel = prefixed ? (prefixed[1] as string).toLowerCase() : 'sms';
  const rest = (prefixed ? (prefixed[2] as string) : trimmed).trim();
  const compact = rest.replace(/[\s().-]/g, '');
  const address = PHONE.test(compact) ? compact : rest;
  if (address === '') throw new InvalidParticipantError('empty address');
  return { channel, address };
};

export const pseudonymOf = (key: ParticipantKey, address: string): string =>
  createHmac('sha256', key.secret).update(normalizeAddress(address).address).digest('hex');

/** The pseudonyms of a message's `From`/`To` (absent or empty addresses are left out). */
export const participantsOf = (
  key: ParticipantKey,
  addresses: Partial<Record<ParticipantRole, string | undefined>>,
): Participant[] =>
  (['from', 'to'] as const).flatMap((role) => {
    const raw = addresses[role];
    if (raw === undefined || raw.trim() === '') return [];
    const { channel } = normalizeAddress(raw);
    return [{ role, channel, id: pseudonymOf(key, raw), keyId: key.id }];
  });

/** What a lookup compares with: the address's pseudonym under every key it may have been made with. */
export const lookupIdsFor = (keys: readonly ParticipantKey[], address: string): Set<string> =>
  new Set(keys.map((key) => `${key.id}:${pseudonymOf(key, address)}`));

export const involves = (
  participants: readonly Participant[] | undefined,
  lookup: ReadonlySet<string>,
): boolean => (participants ?? []).some((p) => lookup.has(`${p.keyId}:${p.id}`));

/** Reads the participants a job or record carries; anything else throws. */
export const parseParticipants = (raw: unknown): Participant[] => {
  if (!Array.isArray(raw) || raw.length > 2) throw new InvalidParticipantError('bad participants');
  return raw.map((item: unknown) => {
    const p = (item ?? {}) as Record<string, unknown>;
    if (p.role !== 'from' && p.role !== 'to') throw new InvalidParticipantError('bad role');
    if (typeof p.channel !== 'string' || !CHANNEL.test(p.channel)) {
      throw new InvalidParticipantError('bad channel');
    }
    if (typeof p.id !== 'string' || !HEX64.test(p.id)) throw new InvalidParticipantError('bad id');
    if (typeof p.keyId !== 'string' || !KEY_ID.test(p.keyId)) {
      throw new InvalidParticipantError('bad keyId');
    }
    return { role: p.role, channel: p.channel, id: p.id, keyId: p.keyId };
  });
};
