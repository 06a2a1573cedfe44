// Fails fast, in one line, on a Node older than package.json's engines.node: older ones fail much
// later with errors that do not name the cause (vitest 5, middy 7, node:sqlite in the local S3).
// Run as the npm `pre…` hook of every script (`npm test`, `npm start`, `npm run demo` …).
import { isNodeTooOld, tooOldMessage } from './node-requirement.mjs';

if (isNodeTooOld()) {
  const hook = process.env.npm_lifecycle_event ?? '';
  const script = hook.startsWith('pre') ? hook.slice(3) : hook;
  const command = ['start', 'test'].includes(script) ? `npm ${script}` : `npm run ${script}`;
  console.error(tooOldMessage(command));
  process.exit(1);
}
