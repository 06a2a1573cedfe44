import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const runSmoke = (out: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', out],
      {
        cwd: ROOT,
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });

/** The value cell of the table row whose measurement cell is exactly `measurement`. */
const cellValue = (table: string, measurement: string): string | undefined =>
  table
    .split('\n')
    .map((line) => line.split(' | ').map((cell) => cell.trim()))
    .find((cells) => cells[1] === measurement)?.[2];

describe('npm run bench:smoke', () => {
  let dir: string;
  let run: { code: number | null; stdout: string; stderr: string };
  let written: string;

  beforeAll(async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), 'bench-smoke-test-'));
    const out = join(dir, 'results.md');
    // Act
    run = await runSmoke(out);
    written = await readFile(out, 'utf8').catch(() => '');
  }, 180_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 and writes the same report it prints', () => {
    // Assess
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(written).not.toBe('');
    expect(run.stdout).toBe(written);
    expect(written).toMatch(/- machine: .+, \d+ cores, .+ GiB memory/);
    expect(written).toMatch(/- Node v\d+/);
  });

  it('has a row for every section of the benchmark', () => {
    // Assess
    const sections = [
      /\| 1–2 \| archiver, no added latency, .+\| limit: CDN GET piped into PutObject \|/,
      /\| 2b \| archiver vs minimal pipeline, no added latency, .+\| minimal: API GET → CDN GET piped into PutObject → DELETE \| .+ \| ≥ 0\.9× \| (PASS|MISS) \|/,
      /\| 2b \| archiver vs minimal pipeline, latency API 150 ms \/ CDN 50 ms, /,
      /\| 3 \| naive peer, no added latency, /,
      /\| 1, 3 \| archiver, latency API 150 ms \/ CDN 50 ms, .+\| naive peer, same latency \|/,
      /\| 4 \| archiver peak RSS, /,
      /\| 5 \| happy path: /,
      /\| 5 \| replay: /,
      /\| 6 \| webhook, 10 media, local-aws-sqs, \d+ requests \| p50 .+ p99 /,
      /\| 6 \| webhook handler overhead \(no-op queue\) p99/,
      /\| 7 \| bundle size, webhook /,
      /\| 7 \| fresh process importing dist\/webhook\/index\.mjs, .+\| fresh process importing bench\/twilio-handler\.mjs \|/,
    ];
    for (const section of sections) expect(written).toMatch(section);
  });

  it('prices every measured size in GB-seconds at the memory size serverless.yml sets', async () => {
    // Prepare
    const template = await readFile(join(ROOT, 'serverless.yml'), 'utf8');
    const memory = /^ {2}archiver:\n(?: {4}.*\n|\s*\n)*? {4}memorySize:\s*(\d+)/m.exec(
      template,
    )?.[1];
    const rows = written
      .split('\n')
      .filter((line) => line.startsWith('| 8 | Lambda cost per 1,000 media'));
    // Assess: 2 smoke sizes × (latency, no latency), each with a positive archiver and minimal figure
    expect(memory).toMatch(/^\d+$/);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row).toMatch(new RegExp(`at ${memory} MB, archiver, \\d+ in flight`));
      const figures = [...row.matchAll(/(\d+(?:\.\d+)?) GB-s/g)].map((m) => Number(m[1]));
      expect(figures).toHaveLength(2);
      for (const figure of figures) expect(figure).toBeGreaterThan(0);
    }
  });

  it("prices the template's in-flight count and batch size beside the bench's own (§ 8b, issue 26)", async () => {
    // Prepare
    const template = await readFile(join(ROOT, 'serverless.yml'), 'utf8');
    const inFlight = /^ {4}inProcessConcurrency:\s*(\d+)/m.exec(template)?.[1];
    const batch = /^ {2}archiver:\n(?: {4}.*\n|\s*\n)*? {4}batchSize:\s*(\d+)/m.exec(template)?.[1];
    const rows = written.split('\n').filter((line) => line.startsWith('| 8b | '));
    // Assess: one row per smoke size, a ratio against the bench's own run, and a verdict
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toContain(`template's ${inFlight} in flight, batches of ${batch}`);
      expect(row).toMatch(/\| \d+\.\d\d× \| ≤ 0\.5× \| (PASS|MISS) \|$/);
    }
  });

  it('counts exactly one API GET, redirect, CDN GET, S3 PUT and DELETE per media on the happy path', () => {
    // Assess
    const perMedia = (what: string) => cellValue(written, `happy path: ${what} per media`);
    expect(perMedia('Twilio API GET')).toBe('1');
    expect(perMedia('Twilio API 307 to the CDN')).toBe('1');
    expect(perMedia('CDN GET (media download)')).toBe('1');
    expect(perMedia('S3 PUT of the media object')).toBe('1');
    expect(perMedia('S3 HEAD')).toBe('0');
    expect(perMedia('S3 GET')).toBe('0');
    expect(perMedia('Twilio DELETE')).toBe('1');
    expect(perMedia('other Twilio requests')).toBe('0');
    expect(cellValue(written, 'happy path: S3 PUT of the index marker per message')).toBe('1');
  });

  it('counts S3 requests on the deployed path by billing class, with message records', () => {
    // Assess (exact): media PUT + record per 1-media message (the record is the index: no
    // marker), no LIST, one GET; a 10-media message in one batch adds one record; a replay
    // writes nothing.
    expect(written).toContain('| 1-media messages | 2 | 2.00 | 1.00 | 2 | 0 | 2 | 0 | 0 | 2 |');
    expect(written).toContain('| 10-media messages | 20 | 1.10 | 0.10 | 20 | 0 | 2 | 0 | 0 | 2 |');
    expect(written).toMatch(/\| 1-media messages, replayed \| 2 \| 0\.00 \| 2\.00 \|/);
    expect(written).toMatch(/\| 10-media messages, replayed \| 20 \| 0\.00 \| 1\.10 \|/);
    expect(written).toMatch(/\*\*\$\d+\.\d\d\*\*/);
  });

  it('downloads nothing when archived jobs are delivered again', () => {
    // Assess
    expect(cellValue(written, 'replay: CDN GET (media download) per media')).toBe('0');
    expect(cellValue(written, 'replay: Twilio API GET per media')).toBe('0');
    expect(cellValue(written, 'replay: S3 PUT of the media object per media')).toBe('0');
    // The marker went in before the media: a redelivery that finds the media proven writes none.
    expect(cellValue(written, 'replay: S3 PUT of the index marker per message')).toBe('0');
  });
});
