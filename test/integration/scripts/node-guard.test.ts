import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isNodeTooOld } from '../../../scripts/node-requirement.mjs';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * A Node older than the project needs, as a newcomer has first on PATH. This image has Debian's
 * Node 20 at /usr/bin/node (the CI image is this image); the test needs one to mean anything.
 */
const findOlderNode = (): string => {
  const candidates = [
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'node')),
    '/usr/bin/node',
    '/usr/local/bin/node',
  ];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (isNodeTooOld(version.trim())) return candidate;
  }
  throw new Error(
    'this test needs a Node older than engines.node on the machine (e.g. /usr/bin/node 20)',
  );
};

const run = (file: string, args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      file,
      args,
      { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
        }),
    );
  });

describe('an older Node first on PATH', () => {
  const olderNode = findOlderNode();
  const olderFirst = {
    ...process.env,
    PATH: `${dirname(olderNode)}${delimiter}${process.env.PATH}`,
  };

  it('the CLI re-runs itself under Node 24 and works as printed', async () => {
    // Act: the CLI entry started by the old Node, as `npx media-archive` would on that machine.
    const result = await run(olderNode, ['bin/media-archive.mjs', 'help', 'ls'], olderFirst);

    // Assess: the real help, not the "too old" line.
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('media-archive ls');
    expect(result.stderr).not.toContain('needs Node');
  });

  it.each(['demo', 'rehearse', 'bench', 'soak', 'package'])(
    'npm run %s stops before doing anything, in one line naming a command that works',
    async (script) => {
      // Act
      const result = await run('npm', ['run', '--silent', script], olderFirst);

      // Assess
      expect(result.code).not.toBe(0);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/needs Node >= 22\.5 .*this is Node v\d+/);
      expect(lines[0]).toContain(`-- npm run ${script}`);
    },
  );

  it("the hint's prefix gives a Node the project accepts", async () => {
    // Prepare: the prefix the one-line message prints, as a user pastes it.
    const failed = await run('npm', ['run', '--silent', 'demo'], olderFirst);
    const prefix = /(npx -y -p \S+ --) npm run demo/.exec(failed.stderr)?.[1];
    expect(prefix).toBeDefined();

    // Act
    const [npx, ...args] = `${prefix} node -p process.versions.node`.split(' ');
    const result = await run(npx as string, args, olderFirst);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(isNodeTooOld(result.stdout.trim())).toBe(false);
  });
});
