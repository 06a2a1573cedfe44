import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from '../../domain/bytes.ts';
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

/** Streams to a file (or stdout) and checks size and SHA-256 against the archiver's metadata. */
export const runGet = async (options: GetOptions, context: CommandContext): Promise<void> => {
  const key = await findMediaKey(options.lookup, context);
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

  const hash = createHash('sha256');
  const total = media.contentLength;
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      received += chunk.length;
      context.progress.update(
        `${name}: ${formatBytes(received)}${total ? ` / ${formatBytes(total)}` : ''}`,
      );
      callback(null, chunk);
    },
  });
  try {
    await pipeline(media.body, meter, target, { end: !toStdout });
    const sha256 = hash.digest('hex');
    if (media.size !== undefined && media.size !== received) {
      throw new IntegrityError(`${key}: got ${received} bytes, the archive recorded ${media.size}`);
    }
    if (media.sha256 !== undefined && media.sha256.toLowerCase() !== sha256) {
      throw new IntegrityError(`${key}: SHA-256 differs from the one recorded at archive time`);
    }
  } catch (error) {
    if (path !== undefined) await unlink(path).catch(() => {});
    throw error;
  } finally {
    context.progress.done();
  }
  if (path !== undefined) await writeLine(context.stdout, path);
};
