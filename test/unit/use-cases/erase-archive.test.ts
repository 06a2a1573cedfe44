import { describe, expect, it } from 'vitest';
import type { VersionLock } from '../../../lib/domain/erasure.ts';
import type { ArchiveEraser } from '../../../lib/ports/archive-eraser.ts';
import { erasePrefixes } from '../../../lib/use-cases/erase-archive.ts';

const NOW = new Date('2026-12-08T00:00:00.000Z');
const LATER = new Date('2027-01-01T00:00:00.000Z');

/** An eraser over an in-memory list of versions, recording each delete it is asked for. */
const fakeEraser = (
  versions: { key: string; versionId: string; deleteMarker?: boolean; lock?: VersionLock }[],
) => {
  const deletes: { key: string; versionId: string; bypass: boolean }[] = [];
  const eraser: ArchiveEraser = {
    versionsUnder: async (prefix) =>
      versions
        .filter((v) => v.key.startsWith(prefix))
        .map(({ key, versionId, deleteMarker }) => ({
          key,
          versionId,
          deleteMarker: deleteMarker ?? false,
        })),
    lockOf: async (key, versionId) =>
      versions.find((v) => v.key === key && v.versionId === versionId)?.lock ?? {},
    deleteVersion: async (key, versionId, bypass) => {
      deletes.push({ key, versionId, bypass });
    },
    putReceipt: async () => undefined,
    callerIdentity: async () => ({}),
  };
  return { eraser, deletes };
};

describe('erasePrefixes', () => {
  const versions = [
    { key: 'm/1/a.jpg', versionId: 'v2' },
    { key: 'm/1/a.jpg', versionId: 'v1' },
    { key: 'm/1/a.jpg', versionId: 'dm', deleteMarker: true },
    { key: 'm/1/message.json', versionId: 'r1', lock: { legalHold: 'ON' as const } },
    { key: 'm/1/b.png', versionId: 'g1', lock: { mode: 'GOVERNANCE', retainUntil: LATER } },
    { key: 'm/2/other.jpg', versionId: 'o1' },
  ];

  it('deletes every version and delete marker under the prefix, keeps the locked ones with the reason', async () => {
    // Prepare
    const { eraser, deletes } = fakeEraser(versions);

    // Act
    const plan = await erasePrefixes(eraser, ['m/1/'], {
      now: NOW,
      bypassGovernance: false,
      dryRun: false,
    });

    // Assess
    expect(deletes.map((d) => d.versionId)).toEqual(['v2', 'v1', 'dm']);
    expect(plan.retained.map((r) => [r.versionId, r.reason])).toEqual([
      ['r1', 'legal hold'],
      ['g1', expect.stringContaining('GOVERNANCE retention until 2027-01-01')],
    ]);
    expect(plan.keys).toEqual(['m/1/a.jpg', 'm/1/b.png', 'm/1/message.json']);
  });

  it('bypasses GOVERNANCE only when asked, and a dry run deletes nothing', async () => {
    // Prepare
    const bypassing = fakeEraser(versions);
    const dry = fakeEraser(versions);

    // Act
    await erasePrefixes(bypassing.eraser, ['m/1/'], {
      now: NOW,
      bypassGovernance: true,
      dryRun: false,
    });
    const planned = await erasePrefixes(dry.eraser, ['m/1/'], {
      now: NOW,
      bypassGovernance: false,
      dryRun: true,
    });

    // Assess
    expect(bypassing.deletes.find((d) => d.versionId === 'g1')).toEqual({
      key: 'm/1/b.png',
      versionId: 'g1',
      bypass: true,
    });
    expect(bypassing.deletes.find((d) => d.versionId === 'r1')).toBeUndefined();
    expect(dry.deletes).toEqual([]);
    expect(planned.deleted).toHaveLength(3);
  });
});
