import { once } from 'node:events';
import { join } from 'node:path';
import { startArchiveBrowserFor } from '../../compose/browser.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import { describeFailure, type FailureContext } from '../failure.ts';
import { writeLine } from '../format.ts';
import { EXIT_HELP, TARGET_HELP } from '../help.ts';
import { integerOption } from '../options.ts';
import { noArguments, parseReadLine, readOptions, type TargetOptions } from '../read-args.ts';

type ServeOptions = TargetOptions & { port: number; host: string };

export const DEFAULT_SERVE_PORT = 8080;
export const DEFAULT_SERVE_HOST = '127.0.0.1';

const OPTIONS = readOptions('port', 'host');

const parse = (argv: readonly string[]): ServeOptions | undefined => {
  const line = parseReadLine('serve', argv, OPTIONS);
  if (!line) return undefined;
  noArguments('serve', line);
  const host = line.values.host ?? DEFAULT_SERVE_HOST;
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) {
    throw new UsageError('--host must be a host name or IP address');
  }
  const { port } = line.values;
  return {
    ...line.target,
    port: port === undefined ? DEFAULT_SERVE_PORT : integerOption(port, '--port', 0, 65_535),
    host,
  };
};

const untilSignal = (): Promise<void> =>
  Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]).then(() => undefined);

/**
 * Serves the read-only archive browser until SIGINT/SIGTERM (or `until` settles). The S3 client
 * and its credentials stay in this process: the page gets media through a streaming proxy. The
 * printed link carries a token made for this start; on any host, loopback or not, every request
 * needs it.
 */
export const runServe = async (
  options: ServeOptions,
  context: CommandContext,
  settings: {
    prefix: string;
    /** Bucket and endpoint, for the same one-line explanations as the other commands. */
    failure?: FailureContext;
    until?: Promise<void>;
    onListening?: (url: string) => void;
    /** Where thumbnails are kept; default `.local/thumbnails` under the working directory. */
    thumbnailDir?: string;
  },
): Promise<void> => {
  const failure = settings.failure ?? { local: options.local, bucket: context.bucket };
  const server = await startArchiveBrowserFor({
    reader: context.reader,
    prefix: settings.prefix,
    host: options.host,
    port: options.port,
    thumbnailDir: settings.thumbnailDir ?? join(context.cwd, '.local', 'thumbnails'),
    describeError: (error) => describeFailure(error, failure).message,
    onError: (error) =>
      context.stderr.write(`media-archive serve: ${describeFailure(error, failure).message}\n`),
  });
  try {
    await writeLine(context.stdout, `archive browser (read-only): ${server.url}`);
    settings.onListening?.(server.url);
    await (settings.until ?? untilSignal());
  } finally {
    await server.close();
  }
};

const HELP = `Usage: media-archive serve [--port 8080] [--host 127.0.0.1] [options]

A read-only web page of the archive: a calendar of UTC days, the messages of a day with their
media as thumbnails, each message's media with type, size, received time and SIDs, and a search
box for a message SID (2 listings) or a media SID (day listings over the last 31 days).
Media are streamed through this process (no presigned URLs leave it), with ETag/Last-Modified
passed through and 304 for conditional requests; listings are paged, never the whole bucket.
Only GET and HEAD are answered. The printed link carries a token made at each start, traded
for a cookie on first use; without it every request gets 401, whatever --host is. It also
answers only requests addressed to this machine (Host 127.0.0.1, localhost, [::1] or --host)
and none that came through a proxy. Thumbnails are cached in .local/thumbnails/.
Phone numbers appear only when they were archived (ARCHIVE_ADDRESSES=true). Ctrl-C stops it.

Cost: the calendar lists each day of the month up to today (one ListObjectsV2 per day and
account, at most 1000 keys each: "1000+" beyond); a day page lists one page of 120 media.

Options:
  --port N              port, 0..65535 (default 8080; 0 = any free port)
  --host ADDRESS        address to bind (default 127.0.0.1: this machine only)

${TARGET_HELP}

${EXIT_HELP}
`;

export const command = defineCommand<ServeOptions>({
  name: 'serve',
  kind: 'read',
  summary: 'a read-only web page of the archive (http://127.0.0.1:8080/archive/)',
  help: HELP,
  options: OPTIONS,
  parse,
  run: (args, context) => {
    const archive = context.archive(args);
    return runServe(args, archive, {
      prefix: archive.config.archivePrefix,
      failure: context.failure,
    });
  },
});
