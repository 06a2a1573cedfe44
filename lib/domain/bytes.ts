/** A size for people: `512 B`, `1.5 KiB`, `12 MiB` (binary units, as S3 consoles show). */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export const formatBytes = (bytes: number): string => {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
};

/**
 * Media up to this size are spooled in memory, larger ones spill to a file: most MMS images never
 * touch the disk, and spool memory stays ≤ ARCHIVER_CONCURRENCY × this.
 */
export const DEFAULT_SPOOL_MEMORY_BYTES = 1024 * 1024;
