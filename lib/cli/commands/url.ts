import { posix } from 'node:path';
import { contentDisposition, previewFor } from '../../domain/media-policy.ts';
import type { PresignedResponse } from '../../ports/archive-reader.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { writeLine } from '../format.ts';
import { EXIT_HELP, TARGET_HELP } from '../help.ts';
import { integerOption } from '../options.ts';
import {
  lookupOf,
  type MediaLookup,
  parseReadLine,
  readOptions,
  type TargetOptions,
} from '../read-args.ts';
import { findMediaKey } from './find-media.ts';

type UrlOptions = TargetOptions & { lookup: MediaLookup; expires: number };

export const DEFAULT_EXPIRES_SECONDS = 3600;
/** SigV4 presigned URLs live at most 7 days. */
export const MAX_EXPIRES_SECONDS = 604_800;

const OPTIONS = readOptions('message', 'date', 'days', 'expires');

const parse = (argv: readonly string[]): UrlOptions | undefined => {
  const line = parseReadLine('url', argv, OPTIONS);
  if (!line) return undefined;
  const lookup = lookupOf('url', line);
  const { expires } = line.values;
  return {
    ...line.target,
    lookup,
    expires:
      expires === undefined
        ? DEFAULT_EXPIRES_SECONDS
        : integerOption(expires, '--expires', 1, MAX_EXPIRES_SECONDS),
  };
};

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

const HELP = `Usage: media-archive url <MediaSid | key> [--expires SECONDS] [--message MM... | --date D | --days N]

Prints a presigned GET URL. S3 answers it with ETag and Last-Modified and honours
If-None-Match / If-Modified-Since (304), so it can be handed to Twilio as an outbound MediaUrl
and cached. The URL stops working when it expires, or earlier when the credentials that signed it
do (temporary credentials: at the end of their session). Types other than safe images, audio,
video and PDF (HTML, SVG, unknown) are signed as downloads: response-content-disposition
attachment with a neutralised file name and type application/octet-stream. Costs one HEAD.

Finding the media costs what it costs for "get" (see media-archive get --help).

Options:
  --expires SECONDS     lifetime, 1..604800 (7 days; default 3600)
  --message MM...       the media's message (2 listings)
  --date YYYY-MM-DD     the UTC day the message was received (1 listing per account)
  --days N              how far back to scan without --message/--date (default 31)

${TARGET_HELP}

${EXIT_HELP}
`;

export const command = defineCommand<UrlOptions>({
  name: 'url',
  kind: 'read',
  summary: 'print a presigned GET URL for a media',
  help: HELP,
  options: OPTIONS,
  parse,
  run: (args, context) => runUrl(args, context.archive(args)),
});
