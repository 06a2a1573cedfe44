import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * HTTP Basic credentials, checked in constant time: both sides are hashed first, so neither the
 * length nor the first differing byte of the secret shows in the timing.
 */
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** `user:password` from an `Authorization: Basic …` header; `undefined` when it is not one. */
export const basicCredentialsOf = (
  header: string | undefined,
): { username: string; password: string } | undefined => {
  const match = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
};

export const isAuthorizedBasic = (
  header: string | undefined,
  expected: { username: string; password: string },
): boolean => {
  const given = basicCredentialsOf(header);
  const user = digest(given?.username ?? '');
  const pass = digest(given?.password ?? '');
  // Both comparisons always run: which half was wrong does not show either.
  const userOk = timingSafeEqual(user, digest(expected.username));
  const passOk = timingSafeEqual(pass, digest(expected.password));
  return given !== undefined && userOk && passOk;
};
