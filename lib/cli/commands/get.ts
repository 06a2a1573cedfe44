import { createWriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from '../../domain/bytes.ts';
import {
  describeVerdict,
  type ReadVerdict,
  verifyReadBack,
} from '../../domain/read-verification.ts';
import { readEvidenceOf, verifyingStream } from '../../use-cases/verify-read.ts';
import { type CommandContext, defineCommand } from '../command.ts';
import { FileExistsError, IntegrityError } from '../errors.ts';
import { keyBasename, safeFilename } from '../filename.ts';
import { writeLine } from '../format.ts';
import { EXIT_HELP, TARGET_HELP } from '../help.ts';
import {
  lookupOf,
  type MediaLookup,
  parseReadLine,
  readOptions,
  type TargetOptions,
} from '../read-args.ts';
import { findMediaKey } from './find-media.ts';

type GetOptions = TargetOptions & {
  lookup: MediaLookup;
  output?: string;
  force: boolean;
  /** Save a media that failed its check anyway (marked on stderr). */
  unverified: boolean;
};

const OPTIONS = readOptions('message', 'date', 'days', 'output', 'force', 'unverified');

const parse = (argv: readonly string[]): GetOptions | undefined => {
  const line = parseReadLine('get', argv, OPTIONS);
  if (!line) return undefined;
  const lookup = lookupOf('get', line);
  const { output } = line.values;
  return {
    ...line.target,
    lookup,
    ...(output !== undefined ? { output } : {}),
    force: line.values.force ?? false,
    unverified: line.values.unverified ?? false,
  };
};

const isDirectory = async (path: string): Promise<boolean> => {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
};

const targetPath = async (
  output: string | undefined,
  name: string,
  cwd: string,
): Promise<string> => {
  if (output === undefined) return join(cwd, name);
  const path = resolve(cwd, output);
  return (await isDirectory(path)) ? join(path, name) : path;
};

const openTarget = (path: string, force: boolean): Promise<Writable> =>
  new Promise((resolveOpen, reject) => {
    // 'wx' claims the name atomically: a file appearing meanwhile is not clobbered either.
    const stream = createWriteStream(path, { flags: force ? 'w' : 'wx' });
    stream.once('open', () => resolveOpen(stream));
    stream.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EEXIST' ? new FileExistsError(path) : error),
    );
  });

/** What `get` says about the media it read, on stderr (stdout stays the path, or the bytes). */
const verdictLine = (key: string, sha256: string | undefined, verdict: ReadVerdict): string =>
  verdict.status === 'verified'
    ? `media-archive: ${key}: sha256 ${sha256} ${describeVerdict(verdict)}`
    : `media-archive: warning: ${key}: ${describeVerdict(verdict)}`;

/**
 * Streams to a file (or stdout), then checks the bytes read against the message record and S3's
 * own checksum (`verifyReadBack`); a damaged media is not left behind unless `--unverified`.
 */
export const runGet = async (options: GetOptions, context: CommandContext): Promise<void> => {
  const key = await findMediaKey(options.lookup, context);
  const record = await context.reader.messageRecordOf(key);
  const media = await context.reader.open(key);
  const toStdout = options.output === '-';
  const name = safeFilename(media.originalFilename) ?? keyBasename(key);
  let path: string | undefined;
  let target: Writable;
  try {
    if (toStdout) target = context.stdout;
    else {
      path = await targetPath(options.output, name, context.cwd);
      target = await openTarget(path, options.force);
    }
  } catch (error) {
    media.body.destroy();
    throw error;
  }

  const total = media.contentLength;
  let verdict: ReadVerdict | undefined;
  // The check runs before the last chunk leaves: on stdout too, a damaged media never arrives whole.
  const verifying = verifyingStream((observed) => {
    verdict = verifyReadBack(observed, readEvidenceOf(media, record, key));
    return verdict.status === 'damaged' && !options.unverified
      ? new IntegrityError(
          `${key}: ${verdict.problems.join('; ')}; not saved (--unverified saves it anyway)`,
        )
      : undefined;
  });
  let received = 0;
  verifying.on('data', (chunk: Buffer) => {
    received += chunk.length;
    context.progress.update(
      `${name}: ${formatBytes(received)}${total ? ` / ${formatBytes(total)}` : ''}`,
    );
  });
  try {
    await pipeline(media.body, verifying, target, { end: !toStdout });
  } catch (error) {
    if (path !== undefined) await unlink(path).catch(() => {});
    throw error;
  } finally {
    context.progress.done();
  }
  if (record.state === 'unreadable') {
    context.stderr.write(
      `media-archive: warning: the message record ${record.key} is unreadable (${record.reason}): the media was checked without it\n`,
    );
  }
  if (!verdict) throw new IntegrityError(`${key}: the read ended without a verdict`);
  const line =
    verdict.status === 'damaged'
      ? `media-archive: UNVERIFIED, saved because of --unverified: ${key}: ${describeVerdict(verdict)}`
      : verdictLine(key, verifying.observed().sha256Hex, verdict);
  context.stderr.write(`${line}\n`);
  if (path !== undefined) await writeLine(context.stdout, path);
};

const HELP = `Usage: media-archive get <MediaSid | key> [-o FILE] [--force] [--unverified] [--message MM... | --date D | --days N]

Downloads a media, streaming, and verifies the bytes against the message record (size, SHA-256)
and S3's own SHA-256 (checksum mode); metadata is compared but never proof. stderr says what it
was verified against (record, S3's checksum) or that nothing but metadata speaks for it. A
damaged media (any mismatch) is refused, exit 1, and no file is left; --unverified saves it
anyway and says UNVERIFIED on stderr.
The file is named after the media's original file name when the archive knows it, else
{MediaSid}{ext}, in the current directory; -o names the file or a directory, "-o -" writes
to stdout. An existing file is never overwritten without --force.

Finding a media SID: the key holds the message and the day, the index holds only messages.
  --message MM...       2 listings (the message index, then the message)
  --date YYYY-MM-DD     one listing of that day per account
  (neither)             day listings newest first over the last --days N days (default 31):
                        up to N x accounts ListObjectsV2 requests (plus one per 1000 objects a
                        day) before "not found". Prefer --message or --date on large archives.

Options:
  -o, --output FILE     target file or directory ("-" for stdout)
  -f, --force           overwrite an existing file
  --unverified          save a damaged media anyway (marked on stderr)
  --message MM...       the media's message
  --date YYYY-MM-DD     the UTC day the message was received
  --days N              how far back to scan without --message/--date (default 31)

${TARGET_HELP}

${EXIT_HELP}
`;

export const command = defineCommand<GetOptions>({
  name: 'get',
  kind: 'read',
  summary: 'download a media',
  help: HELP,
  options: OPTIONS,
  parse,
  run: (args, context) => runGet(args, context.archive(args)),
});
