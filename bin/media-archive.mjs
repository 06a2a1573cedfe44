#!/usr/bin/env node
// Before anything else: on an older Node the first error would not name the cause.
import '../scripts/require-node.mjs';
// The CLI ships as TypeScript run through tsx, so `npx media-archive` needs no build step.
import { register } from 'tsx/esm/api';

register();

// `media-archive ls | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const { runCli } = await import('../lib/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
