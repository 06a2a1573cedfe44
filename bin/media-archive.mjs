#!/usr/bin/env node
// Before anything else: on an older Node the CLI re-runs itself under Node 24 (see run-on-node24.mjs),
// so every documented `media-archive …` line works as printed whatever Node is first on PATH.
import { isNodeTooOld } from '../scripts/node-requirement.mjs';

if (isNodeTooOld()) {
  const { rerunOnNode24 } = await import('../scripts/run-on-node24.mjs');
  process.exit(rerunOnNode24(new URL(import.meta.url), process.argv.slice(2)));
}
// The CLI ships as TypeScript run through tsx, so `npx media-archive` needs no build step.
const { register } = await import('tsx/esm/api');
register();

// `media-archive ls | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// The product's commands, plus the local stack's own (send-test): the product imports no tooling,
// the executable adds it.
const { runCli } = await import('../lib/cli/main.ts');
const { LOCAL_COMMANDS } = await import('../lib/local/cli-commands.ts');
process.exitCode = await runCli(process.argv.slice(2), undefined, LOCAL_COMMANDS);
