import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './throughput.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = `${ROOT}dist`;

export interface BundleSize {
  name: string;
  bytes: number;
  budget: number;
}

export interface LoadTimes {
  /** Median wall time (ms) of a fresh `node` process importing each module, by label. */
  medians: Record<string, number>;
  runs: number;
}

/** `npm run build` when dist/ lacks a bundle; sizes come from the build's own report. */
export const bundleSizes = async (): Promise<BundleSize[]> => {
  if (!existsSync(`${DIST}/sizes.json`) || !existsSync(`${DIST}/webhook/index.mjs`)) {
    const built = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  const report = JSON.parse(await readFile(`${DIST}/sizes.json`, 'utf8')) as BundleSize[];
  return report.map(({ name, bytes, budget }) => ({ name, bytes, budget }));
};

// Enough configuration for each module's cold-start code (config is read at import).
const LAMBDA_ENV = {
  TWILIO_ACCOUNT_SID: `AC${'c0'.repeat(16)}`,
  TWILIO_AUTH_TOKEN: 'cold0start0token0cold0start0tok0',
  MEDIA_QUEUE_URL: 'http://127.0.0.1:9/000000000000/media-jobs',
  PUBLIC_WEBHOOK_URL: 'https://bench.example.com/webhook',
  ARCHIVE_BUCKET: 'bench-archive',
  AWS_REGION: 'us-east-1',
};

const timeProcess = (moduleUrl: string | undefined): Promise<number> =>
  new Promise((resolve, reject) => {
    const script = moduleUrl ? 'await import(process.argv[1])' : '';
    const start = performance.now();
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', script, ...(moduleUrl ? [moduleUrl] : [])],
      { env: { PATH: process.env.PATH, ...LAMBDA_ENV }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const elapsed = performance.now() - start;
      if (code !== 0) reject(new Error(`loading ${moduleUrl} failed: ${stderr.slice(0, 300)}`));
      else resolve(elapsed);
    });
  });

/**
 * Section 7: whole fresh processes (Node's own start-up included in all), interleaved so that
 * machine noise spreads evenly; the median of `runs` per module.
 */
export const measureLoadTimes = async (runs: number): Promise<LoadTimes> => {
  const targets: Record<string, string | undefined> = {
    'node (empty)': undefined,
    webhook: pathToFileURL(`${DIST}/webhook/index.mjs`).href,
    archiver: pathToFileURL(`${DIST}/archiver/index.mjs`).href,
    'twilio handler': pathToFileURL(`${ROOT}bench/twilio-handler.mjs`).href,
  };
  const samples: Record<string, number[]> = {};
  for (const label of Object.keys(targets)) samples[label] = [];
  // One untimed round: the first spawn pays for the file cache.
  for (const url of Object.values(targets)) await timeProcess(url);
  for (let run = 0; run < runs; run += 1) {
    for (const [label, url] of Object.entries(targets))
      samples[label]?.push(await timeProcess(url));
  }
  return {
    runs,
    medians: Object.fromEntries(
      Object.entries(samples).map(([label, times]) => [label, median(times)]),
    ),
  };
};
