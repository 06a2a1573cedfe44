import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { signedCdnUrls } from './limit.ts';
import type { ProbeInput, ProbeOutput } from './memory-probe.ts';
import { type BenchStack, BUCKET, recordBatches, seedMedia } from './stack.ts';
import { median } from './throughput.ts';

const PROBE = fileURLToPath(new URL('./memory-probe.ts', import.meta.url));

export interface MemoryRow {
  mode: ProbeInput['mode'];
  size: number;
  count: number;
  rssReady: number;
  maxRss: number;
}

const runProbe = (input: ProbeInput): Promise<ProbeOutput> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PROBE], {
      env: { ...process.env, NODE_NO_WARNINGS: '1', BENCH_PROBE: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`memory probe exited with ${code}`));
      try {
        resolve(JSON.parse(line) as ProbeOutput);
      } catch {
        reject(new Error(`memory probe printed no result: ${line.slice(0, 200)}`));
      }
    });
  });

const probeOnce = async (
  stack: BenchStack,
  { mode, size, count }: { mode: ProbeInput['mode']; size: number; count: number },
  options: { concurrency: number; log: (line: string) => void },
): Promise<ProbeOutput> => {
  const { emulator } = stack;
  const messages = seedMedia(emulator, size, count);
  let limitBatches: { key: string; url: string }[][] = [];
  if (mode === 'limit') {
    const credentials = { username: emulator.accountSid, password: emulator.authToken };
    const urls = await signedCdnUrls(messages.flat(), credentials);
    let n = 0;
    limitBatches = messages.map((media) =>
      media.map((item) => ({ key: `limit/${item.sid}`, url: urls[n++] as string })),
    );
  }
  const result = await runProbe({
    mode,
    env: stack.archiverEnv,
    s3Endpoint: stack.s3Server.endpoint,
    bucket: BUCKET,
    batches: mode === 'archiver' ? recordBatches(emulator.accountSid, messages) : [],
    naiveMedia:
      mode === 'naive'
        ? messages.flat().map((item) => ({
            messageSid: item.messageSid,
            mediaSid: item.sid,
            url: item.url,
            contentType: item.contentType,
          }))
        : [],
    limitBatches,
    concurrency: options.concurrency,
  });
  options.log(`  ${mode} ${size} B ×${count}: max RSS ${(result.maxRss / 2 ** 20).toFixed(1)} MiB`);
  return result;
};

/** Section 4: one fresh child process per (mode, size), so each peak RSS is that size's alone. */
export const measureMemory = async (
  stack: BenchStack,
  runs: readonly { mode: ProbeInput['mode']; size: number; count: number }[],
  options: { concurrency: number; repeats: number; log: (line: string) => void },
): Promise<MemoryRow[]> => {
  const samples = new Map<
    string,
    { mode: ProbeInput['mode']; size: number; count: number; results: ProbeOutput[] }
  >();
  // Repeats go round the whole list, so that drift spreads over every size.
  for (let repeat = 0; repeat < options.repeats; repeat += 1) {
    for (const run of runs) {
      const id = `${run.mode}/${run.size}/${run.count}`;
      const entry = samples.get(id) ?? { ...run, results: [] };
      entry.results.push(await probeOnce(stack, run, options));
      samples.set(id, entry);
    }
  }
  return [...samples.values()].map(({ results, ...run }) => ({
    ...run,
    rssReady: median(results.map((result) => result.rssReady)),
    maxRss: median(results.map((result) => result.maxRss)),
  }));
};
