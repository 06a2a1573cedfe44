import { posix } from 'node:path';
import { contentDisposition, previewFor } from '../../browser/media-policy.ts';
import type { PresignedResponse } from '../archive-reader.ts';
import type { ParsedCommand } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { writeLine } from '../format.ts';
import { findMediaKey } from './find-media.ts';

type UrlOptions = Extract<ParsedCommand, { command: 'url' }>;

/**
 * The URL opens on the bucket's origin with the type the sender chose: anything but a safe image,
 * audio, video or PDF (HTML, SVG, unknown types) is signed as a download of a neutralised name.
 */
export const presignedResponseFor = (
  key: string,
  contentType: string | undefined,
  originalFilename: string | undefined,
): PresignedResponse =>
  previewFor(contentType) === 'none'
    ? {
        contentDisposition: contentDisposition('attachment', posix.basename(key), originalFilename),
        contentType: 'application/octet-stream',
      }
    : {};

export const runUrl = async (options: UrlOptions, context: CommandContext): Promise<void> => {
  const key = await findMediaKey(options.lookup, context);
  // One HEAD: it checks a key given verbatim exists (presigning never does) and gives the stored type.
  const details = await context.reader.describe(key);
  const response = presignedResponseFor(key, details.contentType, details.originalFilename);
  await writeLine(context.stdout, await context.reader.presignGet(key, options.expires, response));
};
