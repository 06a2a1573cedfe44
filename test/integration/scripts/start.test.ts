import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'bin/media-archive.mjs');

const FREE_PORTS = {
  PORT: '0',
  LOCAL_S3_PORT: '0',
  LOCAL_SQS_PORT: '0',
  LOCAL_TWILIO_PORT: '0',
  LOCAL_TWILIO_CDN_PORT: '0',
  ARCHIVE_BROWSER_PORT: '0',
};

/** The environment of a newcomer: no Twilio or AWS settings from the machine running the tests. */
const cleanEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(TWILIO_|AWS_|ARCHIVE_|LOCAL_|PORT$|PUBLIC_WEBHOOK_URL|DELETE_AFTER)/.test(name)) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
};

interface Started {
  npm: ChildProcess;
  banner: string;
  output: () => string;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const dataDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'start-test-'));
  dirs.push(dir);
  return dir;
};

/** `npm start` as a newcomer runs it; resolves once the banner is printed. */
const startNpm = (env: Record<string, string>): Promise<Started> =>
  new Promise((resolve, reject) => {
    const npm = spawn('npm', ['start'], { cwd: ROOT, env: cleanEnv(env) });
    children.push(npm);
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('stops everything')) resolve({ npm, banner: out, output: () => out });
    };
    npm.stdout.on('data', onData);
    npm.stderr.on('data', onData);
    npm.once('exit', (code) => reject(new Error(`npm start exited (${code}): ${out}`)));
  });

const runLine = (line: string): Promise<{ code: number; stdout: string; stderr: string }> => {
  // "A=1 B=2 npx media-archive send-test --local": the variables, then the CLI's arguments.
  const words = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0]?.includes('=')) {
    const [name, value] = (words.shift() as string).split('=');
    env[name as string] = value as string;
  }
  expect(words.slice(0, 2)).toEqual(['npx', 'media-archive']);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...words.slice(2)],
      { cwd: ROOT, env: cleanEnv(env), encoding: 'utf8', timeout: 90_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
};

const isListening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const bannerPorts = (banner: string): number[] => [
  ...new Set([...banner.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]))),
];

describe('npm start', () => {
  it('archives the banner send-test line end to end, and ls --local lists the media', async () => {
    // Prepare
    const { banner } = await startNpm({ ...FREE_PORTS, LOCAL_DATA_DIR: await dataDir() });
    const sendTest = banner.split('\n').find((line) => line.includes('media-archive send-test'));
    const ls = banner.split('\n').find((line) => line.includes('media-archive ls --local'));
    expect(sendTest, banner).toBeDefined();
    expect(ls, banner).toBeDefined();

    // Act
    const sent = await runLine(sendTest as string);
    const listed = await runLine(ls as string);

    // Assess
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    const keys = [
      ...sent.stdout.matchAll(/(media\/AC[0-9a-f]{32}\/\S+)\s+\(deleted at the emulator\)/g),
    ].map((m) => m[1]);
    expect(keys).toHaveLength(3);
    expect(listed.code, listed.stderr).toBe(0);
    for (const key of keys) expect(listed.stdout).toContain(key);
  }, 120_000);

  it('frees every port when the npm process gets SIGTERM', async () => {
    // Prepare
    const dir = await dataDir();
    const { npm, banner } = await startNpm({ ...FREE_PORTS, LOCAL_DATA_DIR: dir });
    const ports = bannerPorts(banner);
    expect(ports.length).toBeGreaterThanOrEqual(5);
    for (const port of ports) expect(await isListening(port)).toBe(true);

    // Act
    npm.kill('SIGTERM');
    const stillOpen = async () =>
      (await Promise.all(ports.map(isListening))).some((listening) => listening);
    while (await stillOpen()) await new Promise((resolve) => setTimeout(resolve, 200));

    // Assess (the loop ends only when every port is free; vitest's timeout fails it otherwise)
    for (const port of ports) expect(await isListening(port)).toBe(false);
    expect(existsSync(join(dir, 'stack.json'))).toBe(false);
  }, 60_000);

  it('owns its data directory: a second start and demo --keep answer in one line, the first keeps its files', async () => {
    // Prepare: one running stack.
    const dir = await dataDir();
    const first = await startNpm({ ...FREE_PORTS, LOCAL_DATA_DIR: dir });
    const webhook = /POST (http:\/\/127\.0\.0\.1:\d+\/twilio\/messages)/.exec(first.banner)?.[1];
    expect(webhook, first.banner).toBeDefined();

    // Act: a second start on other free ports but the same directory, then a kept demo.
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const npm = spawn('npm', args, {
          cwd: ROOT,
          env: cleanEnv({ ...FREE_PORTS, LOCAL_DATA_DIR: dir }),
        });
        children.push(npm);
        let stderr = '';
        npm.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        npm.once('exit', (code) => resolve({ code, stderr }));
      });
    const second = await run(['start', '--silent']);
    const demo = await run(['run', '--silent', 'demo', '--', '--keep']);

    // Assess
    const pid = /pid (\d+)\) stops everything/.exec(first.banner)?.[1];
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^npm start: a local stack is already running from ${dir}/ \\(pid ${pid}\\): webhook ${webhook}, browser http`,
        ),
      ),
    ]);
    expect(demo.code).toBe(1);
    expect(demo.stderr.trim().split('\n')).toHaveLength(1);
    expect(demo.stderr).toContain(
      `demo --keep: a local stack is already running from ${dir}/ (pid ${pid})`,
    );
    expect(existsSync(join(dir, 'stack.json'))).toBe(true);
    expect(first.npm.exitCode).toBeNull();
  }, 90_000);

  it('says so when its data directory is deleted under it', async () => {
    // Prepare
    const dir = await dataDir();
    const started = await startNpm({ ...FREE_PORTS, LOCAL_DATA_DIR: dir });

    // Act
    // The running stack may still be writing into it: retry as `rm -rf` would be retried.
    await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    while (!started.output().includes('vanished')) await new Promise((r) => setTimeout(r, 200));

    // Assess (the loop ends only once the stack said it; vitest's timeout fails it otherwise)
    expect(started.output()).toContain(`npm start: ${dir}/ vanished`);
  }, 30_000);

  describe('a taken port', () => {
    let blocker: Server | undefined;
    afterEach(async () => {
      await new Promise((resolve) => blocker?.close(resolve) ?? resolve(undefined));
      blocker = undefined;
    });

    it.each([
      'LOCAL_S3_PORT',
      'LOCAL_SQS_PORT',
      'LOCAL_TWILIO_PORT',
      'LOCAL_TWILIO_CDN_PORT',
      'PORT',
      'ARCHIVE_BROWSER_PORT',
    ])(
      'prints one line naming %s and exits 1',
      async (variable) => {
        // Prepare
        const taken = createServer();
        blocker = taken;
        await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
        const port = (taken.address() as { port: number }).port;

        // Act
        const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const npm = spawn('npm', ['start', '--silent'], {
            cwd: ROOT,
            env: cleanEnv({
              ...FREE_PORTS,
              [variable]: String(port),
              LOCAL_DATA_DIR: join(tmpdir(), 'unused'),
            }),
          });
          children.push(npm);
          let stderr = '';
          npm.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
          });
          npm.once('exit', (code) => resolve({ code, stderr }));
        });

        // Assess
        expect(result.code).toBe(1);
        expect(result.stderr.trim().split('\n')).toEqual([
          `npm start: port ${port} is already in use: set ${variable} to a free port`,
        ]);
      },
      30_000,
    );
  });
});
