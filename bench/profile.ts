/** What one bench run measures: the full profile fits ~10 minutes on 2 cores, smoke < 60 s. */
export interface BenchProfile {
  name: 'full' | 'smoke';
  /** Media size in bytes → how many media per pass (multiples of 10 keep batches full). */
  throughput: { size: number; count: number }[];
  /** Passes per measurement; the median is reported. */
  repeats: number;
  /** Each (mode, size) runs `repeats` fresh child processes; the median peak RSS is reported. */
  memory: { sizes: number[]; count: number; repeats: number };
  requests: { size: number; count: number };
  webhook: { requests: number; warmup: number };
  coldStart: { runs: number };
}

export const KiB = 1024;
export const MiB = 1024 * KiB;

export const FULL_PROFILE: BenchProfile = {
  name: 'full',
  throughput: [
    { size: 100 * KiB, count: 40 },
    { size: 1 * MiB, count: 20 },
    { size: 5 * MiB, count: 10 },
    { size: 16 * MiB, count: 10 },
  ],
  repeats: 5,
  memory: { sizes: [100 * KiB, 1 * MiB, 5 * MiB, 16 * MiB], count: 20, repeats: 3 },
  requests: { size: 100 * KiB, count: 20 },
  webhook: { requests: 2_000, warmup: 200 },
  coldStart: { runs: 15 },
};

export const SMOKE_PROFILE: BenchProfile = {
  name: 'smoke',
  throughput: [
    { size: 16 * KiB, count: 10 },
    { size: 256 * KiB, count: 10 },
  ],
  repeats: 1,
  memory: { sizes: [16 * KiB, 256 * KiB], count: 10, repeats: 1 },
  requests: { size: 16 * KiB, count: 10 },
  webhook: { requests: 100, warmup: 10 },
  coldStart: { runs: 2 },
};

export const formatSize = (bytes: number): string =>
  bytes >= MiB ? `${+(bytes / MiB).toFixed(1)} MB` : `${Math.round(bytes / KiB)} KB`;
