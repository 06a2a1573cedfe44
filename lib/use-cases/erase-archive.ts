import { type ErasedVersion, eraseVerdict, type RetainedVersion } from '../domain/erasure.ts';
import type { ArchiveEraser } from '../ports/archive-eraser.ts';

export interface ErasePlan {
  deleted: ErasedVersion[];
  retained: RetainedVersion[];
  keys: string[];
}

/**
 * Every version of every key under each prefix (a message's directory, its index entry), deleted
 * unless a lock forbids it (`eraseVerdict`); `dryRun` only says what would go. Listing versions,
 * not current objects, finds what an overwrite or an earlier delete left behind; delete markers
 * go too, so no trace of the key is left.
 */
export const erasePrefixes = async (
  eraser: ArchiveEraser,
  prefixes: readonly string[],
  options: {
    now: Date;
    bypassGovernance: boolean;
    dryRun: boolean;
    onPrefix?: (done: number) => void;
  },
): Promise<ErasePlan> => {
  const plan: ErasePlan = { deleted: [], retained: [], keys: [] };
  const keys = new Set<string>();
  for (const [index, prefix] of prefixes.entries()) {
    options.onPrefix?.(index + 1);
    for (const { key, versionId, deleteMarker } of await eraser.versionsUnder(prefix)) {
      keys.add(key);
      const verdict = deleteMarker
        ? ({ action: 'delete', bypassGovernance: false } as const)
        : eraseVerdict(await eraser.lockOf(key, versionId), options.now, options.bypassGovernance);
      const version: ErasedVersion = { key, versionId, ...(deleteMarker ? { deleteMarker } : {}) };
      if (verdict.action === 'retain') {
        plan.retained.push({ ...version, reason: verdict.reason });
        continue;
      }
      if (!options.dryRun) await eraser.deleteVersion(key, versionId, verdict.bypassGovernance);
      plan.deleted.push(version);
    }
  }
  plan.keys = [...keys].sort();
  return plan;
};
