import { describe, expect, it } from 'vitest';
import {
  candidateDays,
  createArchivePresence,
  mediaByMessage,
} from '../../../lib/backfill/archive-presence.ts';
import type { ArchiveListing, StoredObject } from '../../../lib/ports.ts';
import { ACCOUNT, sid } from './fakes.ts';

describe('candidateDays', () => {
  it('is the UTC day alone away from midnight', () => {
    // Act / Assess
    expect(candidateDays('2025-01-10T12:00:00.000Z')).toEqual(['2025-01-10']);
    expect(candidateDays('2025-01-10T23:54:59.000Z')).toEqual(['2025-01-10']);
  });

  it('adds the next day within 5 minutes before midnight, the previous one just after', () => {
    // Act / Assess
    expect(candidateDays('2025-01-10T23:59:59.000Z')).toEqual(['2025-01-10', '2025-01-11']);
    expect(candidateDays('2025-01-11T00:02:00.000Z')).toEqual(['2025-01-11', '2025-01-10']);
    expect(candidateDays('2024-12-31T23:58:00.000Z')).toEqual(['2024-12-31', '2025-01-01']);
  });
});

describe('mediaByMessage', () => {
  it('groups media SIDs by message and strips extensions', () => {
    // Prepare
    const prefix = `media/${ACCOUNT}/2025/01/10/`;
    const keys = [
      `${prefix}${sid('MM', 1)}/${sid('ME', 1)}.jpg`,
      `${prefix}${sid('MM', 1)}/${sid('ME', 2)}`,
      `${prefix}${sid('MM', 2)}/${sid('ME', 3)}.pdf`,
    ];

    // Act
    const grouped = mediaByMessage(keys, prefix);

    // Assess
    expect(grouped.get(sid('MM', 1))).toEqual(new Set([sid('ME', 1), sid('ME', 2)]));
    expect(grouped.get(sid('MM', 2))).toEqual(new Set([sid('ME', 3)]));
  });
});

const SHA = 'a'.repeat(64);
const MD5 = 'b'.repeat(32);
/** HEAD as S3 answers for an object the archiver wrote: the ETag is the MD5 its metadata names. */
const provenHead = async (key: string): Promise<StoredObject> => ({
  key,
  size: 10,
  etag: `"${MD5}"`,
  metadata: { sha256: SHA, size: '10', md5: MD5 },
});

describe('createArchivePresence', () => {
  it('does not count a listed key whose HEAD carries no S3 proof of its metadata', async () => {
    // Prepare: one proven object, one with self-consistent metadata and an ETag of other bytes.
    const prefix = `media/${ACCOUNT}/2025/01/10/${sid('MM', 1)}/`;
    const listing: ArchiveListing = {
      keysUnder: async () => [`${prefix}${sid('ME', 1)}.jpg`, `${prefix}${sid('ME', 2)}.jpg`],
    };
    const heads: string[] = [];
    const head = async (key: string) => {
      heads.push(key);
      const stored = await provenHead(key);
      return key.includes(sid('ME', 2)) ? { ...stored, etag: `"${'c'.repeat(32)}"` } : stored;
    };
    const presence = createArchivePresence(listing, 'media/', ACCOUNT, { head });

    // Act
    const found = await presence.archivedMediaOf({
      sid: sid('MM', 1),
      dateCreated: '2025-01-10T08:00:00Z',
    });

    // Assess
    expect(found).toEqual(new Set([sid('ME', 1)]));
    expect(heads).toHaveLength(2);
  });

  it('lists each day once and finds a near-midnight copy filed under the next day', async () => {
    // Prepare
    const listed: string[] = [];
    const listing: ArchiveListing = {
      keysUnder: async (prefix) => {
        listed.push(prefix);
        return prefix.endsWith('2025/01/11/')
          ? [`${prefix}${sid('MM', 9)}/${sid('ME', 9)}.jpg`]
          : [`${prefix}${sid('MM', 1)}/${sid('ME', 1)}.jpg`];
      },
    };
    const presence = createArchivePresence(listing, 'media/', ACCOUNT, { head: provenHead });

    // Act
    const first = await presence.archivedMediaOf({
      sid: sid('MM', 1),
      dateCreated: '2025-01-10T08:00:00Z',
    });
    const other = await presence.archivedMediaOf({
      sid: sid('MM', 2),
      dateCreated: '2025-01-10T09:00:00Z',
    });
    const late = await presence.archivedMediaOf({
      sid: sid('MM', 9),
      dateCreated: '2025-01-10T23:59:58Z',
    });

    // Assess
    expect(first).toEqual(new Set([sid('ME', 1)]));
    expect(other).toEqual(new Set());
    expect(late).toEqual(new Set([sid('ME', 9)]));
    expect(listed).toEqual([`media/${ACCOUNT}/2025/01/10/`, `media/${ACCOUNT}/2025/01/11/`]);
  });

  it('does not cache a failed listing', async () => {
    // Prepare
    let calls = 0;
    const listing: ArchiveListing = {
      keysUnder: async () => {
        calls += 1;
        if (calls === 1) throw new Error('S3 down');
        return [];
      },
    };
    const presence = createArchivePresence(listing, 'media/', ACCOUNT, { head: provenHead });
    const target = { sid: sid('MM', 1), dateCreated: '2025-01-10T08:00:00Z' };

    // Act
    await expect(presence.archivedMediaOf(target)).rejects.toThrow('S3 down');
    const second = await presence.archivedMediaOf(target);

    // Assess
    expect(second).toEqual(new Set());
    expect(calls).toBe(2);
  });
});
