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
import type { ParsedCommand } from '../args.ts';
import type { CommandContext } from '../context.ts';
import { FileExistsError, IntegrityError } from '../errors.ts';
import { keyBasename, safeFilename } from '../filename.ts';
import { writeLine } from '../format.ts';
import { findMediaKey } from './find-media.ts';

type GetOptions = Extract<ParsedCommand, { command: 'get' }>;

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
