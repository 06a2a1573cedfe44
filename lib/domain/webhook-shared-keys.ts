import type { SignatureAlgorithm } from './twilio-signature.ts';

/**
 * Shared keys Twilio signs webhooks with (public beta: "webhook shared keys"), per account. A key
 * belongs to the account that created it: a subaccount's key never validates the main account's
 * webhooks, or a subaccount's owner could forge them.
 */
export type SharedKeys = ReadonlyMap<string, ReadonlyMap<string, string>>;

export class SharedKeySyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SharedKeySyntaxError';
  }
}

const SUBACCOUNT_PREFIX = /^(AC[0-9a-fA-F]{32}):/;

/**
 * TWILIO_WEBHOOK_SHARED_KEYS: `<key id>=<secret>[,…]` for the main account, `AC…:<key id>=<secret>`
 * for a subaccount's own keys; several per account during a rotation. Errors name the entry's
 * position, never its text (it holds a secret).
 */
export const parseSharedKeys = (value: string | undefined, mainAccountSid: string): SharedKeys => {
  const keys = new Map<string, Map<string, string>>();
  const entries = (value ?? '').split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    if (entry === '') return;
    const position = `entry ${index + 1}`;
    const prefix = SUBACCOUNT_PREFIX.exec(entry);
    const account = prefix ? (prefix[1] as string) : mainAccountSid;
    const rest = prefix ? entry.slice(prefix[0].length) : entry;
    const separator = rest.indexOf('=');
    const keyId = rest.slice(0, separator).trim();
    const secret = rest.slice(separator + 1).trim();
    if (separator === -1 || keyId === '' || secret === '') {
      throw new SharedKeySyntaxError(`${position} is not [AC…:]<key id>=<secret>`);
    }
    if (/[\s:]/.test(keyId)) {
      throw new SharedKeySyntaxError(`${position}: a key id has no spaces or colons`);
    }
    const forAccount = keys.get(account) ?? new Map<string, string>();
    if (forAccount.has(keyId)) {
      throw new SharedKeySyntaxError(`${position}: key id ${keyId} given twice for one account`);
    }
    forAccount.set(keyId, secret);
    keys.set(account, forAccount);
  });
  return keys;
};

/** The secret of the key an account's request names; `undefined` for any key not configured. */
export const sharedKeySecret = (
  keys: SharedKeys | undefined,
  accountSid: string,
  keyId: string,
): string | undefined => keys?.get(accountSid)?.get(keyId);

/** Accounts besides the main one that have keys configured, for checking them against the scope. */
export const sharedKeyAccounts = (keys: SharedKeys, mainAccountSid: string): string[] =>
  [...keys.keys()].filter((sid) => sid !== mainAccountSid);

export type SignatureSettings =
  /** No settings header (or an empty one, as twilio-node reads it): the auth token signed. */
  | { kind: 'auth-token' }
  | { kind: 'shared-key'; keyId: string; algorithm: SignatureAlgorithm }
  /** A header we cannot honour: refused, never downgraded to the auth token. */
  | { kind: 'unusable'; problem: string };

const ALGORITHMS: readonly SignatureAlgorithm[] = ['HMAC_SHA1', 'HMAC_SHA256'];

/**
 * Reads `X-Twilio-Webhooks-Signature-Settings: key=<key id>,algorithm=<HMAC_SHA1|HMAC_SHA256>` as
 * twilio-node does (parts split on `,`, names and values trimmed, the algorithm's case ignored, a
 * missing algorithm meaning HMAC_SHA1), but stricter where twilio-node need not decide: a header
 * without a key, with a repeated part, or with an algorithm we do not know is unusable.
 */
export const parseSignatureSettings = (header: string | undefined): SignatureSettings => {
  if (header === undefined || header.trim() === '') return { kind: 'auth-token' };
  const parts = new Map<string, string>();
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    const name = part.slice(0, separator).trim();
    if (parts.has(name)) return { kind: 'unusable', problem: `${name} given twice` };
    parts.set(name, part.slice(separator + 1).trim());
  }
  const keyId = parts.get('key');
  if (!keyId) return { kind: 'unusable', problem: 'no key named' };
  const algorithm = (parts.get('algorithm') || 'HMAC_SHA1').toUpperCase();
  const known = ALGORITHMS.find((candidate) => candidate === algorithm);
  if (!known) return { kind: 'unusable', problem: 'unsupported algorithm' };
  return { kind: 'shared-key', keyId, algorithm: known };
};

/** A key id as it may appear in a log line: it is the caller's text until a key matched. */
export const loggableKeyId = (keyId: string): string =>
  /^[\w.-]{1,64}$/.test(keyId) ? keyId : '(unprintable key id)';
