import type { AnyCliCommand } from '../cli/command.ts';
import { command as sendTest } from './send-test.ts';

/** The commands the local stack adds to `media-archive` (bin/media-archive.mjs registers them). */
export const LOCAL_COMMANDS: readonly AnyCliCommand[] = [sendTest];
