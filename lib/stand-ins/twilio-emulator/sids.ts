import { randomBytes } from 'node:crypto';

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A Twilio-shaped SID: two-letter prefix + 32 hex digits (e.g. randomSid('ME')). */
export const randomSid = (prefix: string): string => `${prefix}${randomHex(16)}`;
