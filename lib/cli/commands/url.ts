import type { ParsedCommand } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { writeLine } from '../format.ts';
import { findMediaKey } from './find-media.ts';

type UrlOptions = Extract<ParsedCommand, { command: 'url' }>;

export const runUrl = async (options: UrlOptions, context: CommandContext): Promise<void> => {
  const key = await findMediaKey(options.lookup, context);
  // A key given verbatim was not seen in a listing: presigning never checks existence.
  if (options.lookup.target.includes('/')) await context.reader.describe(key);
  await writeLine(context.stdout, await context.reader.presignGet(key, options.expires));
};
