#!/usr/bin/env node
// The CLI ships as TypeScript run through tsx, so `npx media-archive` needs no build step.
import { register } from 'tsx/esm/api';

register();

// The AWS SDK prints a 9-line notice on Node < 22 about its releases after January 2027; the
// lockfile pins the SDK, and a notice on every command would bury the one-line errors.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning.call(process, warning, ...rest);
};

// `media-archive ls | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const { runCli } = await import('../lib/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
