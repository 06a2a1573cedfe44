import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InvalidParticipantError,
  involves,
  lookupIdsFor,
  normalizeAddress,
  parseParticipants,
  participantKeyOf,
  participantsOf,
} from '../../../lib/domain/participant.ts';

const KEY = participantKeyOf('k'.repeat(40));
const OLD_KEY = participantKeyOf('o'.repeat(40));

describe('participant pseudonyms', () => {
  it('normalizes a number to E.164 and keeps the channel apart', () => {
    // Act
    const spaced = normalizeAddress(' +1 (555) 010-0001 ');
    const whatsapp = normalizeAddress('whatsapp:+15550100001');
    const shortCode = normalizeAddress('12345');
    const alphanumeric = normalizeAddress('ACME Co');

    // Assess
    expect(spaced).toEqual({ channel: 'sms', address: '+15550100001' });
    expect(whatsapp).toEqual({ channel: 'whatsapp', address: '+15550100001' });
    expect(shortCode).toEqual({ channel: 'sms', address: '12345' });
    expect(alphanumeric).toEqual({ channel: 'sms', address: 'ACME Co' });
  });

  it('is the HMAC-SHA256 of the normalized address under the key, the same on every channel', () => {
    // Prepare
    const expected = createHmac('sha256', KEY.secret).update('+15550100001').digest('hex');

    // Act
    const participants = participantsOf(KEY, {
      from: 'whatsapp:+1 555 010 0001',
      to: '+15550100002',
    });

    // Assess
    expect(participants).toEqual([
      { role: 'from', channel: 'whatsapp', id: expected, keyId: KEY.id },
      expect.objectContaining({ role: 'to', channel: 'sms', keyId: KEY.id }),
    ]);
    expect(JSON.stringify(participants)).not.toContain('5550100001');
    expect(JSON.stringify(participants)).not.toContain(KEY.secret);
  });

  it('differs between keys, and a lookup with the previous key still finds old records', () => {
    // Prepare
    const oldRecord = participantsOf(OLD_KEY, { from: '+15550100001' });
    const newRecord = participantsOf(KEY, { from: '+15550100001' });

    // Act
    const withBoth = lookupIdsFor([KEY, OLD_KEY], '+1 555 010 0001');
    const currentOnly = lookupIdsFor([KEY], '+15550100001');
    const someoneElse = lookupIdsFor([KEY, OLD_KEY], '+15550100009');

    // Assess
    expect(oldRecord[0]?.id).not.toBe(newRecord[0]?.id);
    expect(involves(oldRecord, withBoth)).toBe(true);
    expect(involves(newRecord, withBoth)).toBe(true);
    expect(involves(oldRecord, currentOnly)).toBe(false);
    expect(involves(newRecord, someoneElse)).toBe(false);
    expect(involves(undefined, withBoth)).toBe(false);
  });

  it('refuses a short key, and participants that are not pseudonyms', () => {
    // Act / Assess
    expect(() => participantKeyOf('short')).toThrow(InvalidParticipantError);
    expect(() =>
      parseParticipants([{ role: 'from', channel: 'sms', id: '+15550100001', keyId: KEY.id }]),
    ).toThrow(InvalidParticipantError);
    expect(parseParticipants(participantsOf(KEY, { to: '+15550100002' }))).toHaveLength(1);
  });
});
