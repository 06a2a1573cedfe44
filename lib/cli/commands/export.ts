import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { formatBytes } from '../../domain/bytes.ts';
import { MESSAGE_RECORD_FILE, parseMessageRecord } from '../../domain/message-record.ts';
import { isAccountSid } from '../../domain/sids.ts';
import type { Day } from '../../domain/utc-day.ts';
import type { ArchiveEntry } from '../../ports/archive-reader.ts';
import { runArchiveCommand } from '../archive-command.ts';
import { type CommandIo, defineCommand, runCommand } from '../command.ts';
import { parseDay, resolveDays } from '../days.ts';
import { FileExistsError, IntegrityError, UsageError } from '../errors.ts';
import { writeLine } from '../format.ts';
import { HELP, SUMMARY } from '../help.ts';
import { parseFlags } from '../ops-runtime.ts';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  since: { type: 'string' },
  until: { type: 'string' },
  date: { type: 'string' },
  account: { type: 'string' },
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
} as const;

interface ExportArgs {
  range: { since?: Day; until?: Day; date?: Day };
  account?: string;
  output: string;
  force: boolean;
  json: boolean;
  local: boolean;
}

const parse = (argv: readonly string[]): ExportArgs | undefined => {
  const values = parseFlags(argv, OPTIONS);
  if (values.help) return undefined;
  if (!values.output) throw new UsageError('-o FILE.zip is required');
  if (!values.date && !(values.since && values.until)) {
    throw new UsageError('give --since and --until (or --date)');
  }
  if (values.date && (values.since || values.until)) {
    throw new UsageError('--date excludes --since/--until');
  }
  if (values.account !== undefined && !isAccountSid(values.account)) {
    throw new UsageError('--account must be an AC… SID');
  }
  return {
    range: {
      ...(values.date ? { date: parseDay(values.date, '--date') } : {}),
      ...(values.since ? { since: parseDay(values.since, '--since') } : {}),
      ...(values.until ? { until: parseDay(values.until, '--until') } : {}),
    },
    ...(values.account ? { account: values.account } : {}),
    output: values.output,
    force: values.force ?? false,
    json: values.json ?? false,
    local: values.local ?? false,
  };
};

export interface ManifestFile {
  /** Path inside the zip: the object key without the archive prefix. */
  path: string;
  key: string;
  kind: 'media' | 'record';
  messageSid: string;
  mediaSid?: string;
  contentType?: string;
  size: number;
  sha256: string;
}

const recordKeyOf = (entry: ArchiveEntry) =>
  `${entry.key.slice(0, entry.key.lastIndexOf('/') + 1)}${MESSAGE_RECORD_FILE}`;

const isNotFound = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404 ||
  ['NoSuchKey', 'NotFound'].includes((error as { name?: string })?.name ?? '');

/** Hashes and counts what passes; at the end checks it against what the archive recorded. */
const verifying = (file: ManifestFile, recorded: { size?: number; sha256?: string }) => {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      file.sha256 = hash.digest('hex');
      file.size = size;
      if (recorded.size !== undefined && recorded.size !== size) {
        return done(
          new IntegrityError(
            `${file.key}: got ${size} bytes, the archive recorded ${recorded.size}`,
          ),
        );
      }
      if (recorded.sha256 !== undefined && recorded.sha256.toLowerCase() !== file.sha256) {
        return done(
          new IntegrityError(`${file.key}: SHA-256 differs from the one recorded at archive time`),
        );
      }
      done();
    },
  });
};

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const runExport = (args: ExportArgs, io: CommandIo): Promise<number> =>
  runArchiveCommand('export', HELP.export, io, args, async (args, { context, config }) => {
    const target = resolve(context.cwd, args.output);
    if (!args.force) {
      const exists = await access(target).then(
        () => true,
        () => false,
      );
      if (exists) throw new FileExistsError(target);
    }
    const days = resolveDays(args.range, context.today, 1);
    const prefix = config.archivePrefix;
    const zip = new yazl.ZipFile();
    const files: ManifestFile[] = [];
    const { progress } = context;
    let written = 0;
    let bytes = 0;
    const messages = new Set<string>();
    // yazl does not watch the streams it is given: a failed read or check stops the export here.
    let fail: (error: unknown) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => undefined);
    zip.on('error', (error: unknown) => fail(error));

    // The record's digests were S3's at archive time: an object rewritten since then carries a
    // checksum of its new bytes, so only the record can tell that it changed.
    const addMedia = (entry: ArchiveEntry, recordedSha256: string | undefined) => {
      const file: ManifestFile = {
        path: entry.key.slice(prefix.length),
        key: entry.key,
        kind: 'media',
        messageSid: entry.messageSid,
        mediaSid: entry.mediaSid,
        size: entry.size,
        sha256: '',
      };
      files.push(file);
      // Already compressed (images, audio, video): stored, not deflated.
      zip.addReadStreamLazy(
        file.path,
        { compress: false, mtime: entry.archivedAt ?? new Date() },
        (cb) => {
          context.reader.open(entry.key).then(
            (media) => {
              if (media.contentType) file.contentType = media.contentType;
              const check = verifying(file, {
                ...(media.size !== undefined ? { size: media.size } : {}),
                ...((recordedSha256 ?? media.sha256) !== undefined
                  ? { sha256: recordedSha256 ?? media.sha256 }
                  : {}),
              });
              check.on('end', () => {
                written += 1;
                bytes += file.size;
                progress.update(
                  `exporting: ${written}/${files.length} files, ${formatBytes(bytes)}`,
                );
              });
              media.body.on('error', (error) => fail(error));
              check.on('error', (error) => fail(error));
              cb(null, media.body.pipe(check));
            },
            (error: unknown) => fail(error),
          );
        },
      );
    };

    /** Adds the message record, if any; returns its SHA-256 per media SID. */
    const addRecord = async (key: string, messageSid: string): Promise<Map<string, string>> => {
      let bytesOf: Buffer;
      try {
        const opened = await context.reader.open(key);
        bytesOf = Buffer.from(await opened.body.toArray().then((chunks) => Buffer.concat(chunks)));
      } catch (error) {
        if (isNotFound(error)) return new Map();
        throw error;
      }
      const recorded = new Map(
        parseMessageRecord(bytesOf.toString('utf8')).media.map((m) => [m.mediaSid, m.sha256]),
      );
      const file: ManifestFile = {
        path: key.slice(prefix.length),
        key,
        kind: 'record',
        messageSid,
        contentType: 'application/json',
        size: bytesOf.length,
        sha256: sha256Of(bytesOf),
      };
      files.push(file);
      zip.addBuffer(bytesOf, file.path);
      return recorded;
    };

    const partial = `${target}.partial`;
    const output = pipeline(zip.outputStream, createWriteStream(partial));
    try {
      const accounts = await context.reader.accounts();
      for (const [index, day] of days.entries()) {
        for (const account of accounts) {
          progress.update(`listing ${day} (${index + 1}/${days.length} days)`);
          const byDirectory = new Map<string, ArchiveEntry[]>();
          for await (const entry of context.reader.listDay(account, day)) {
            const directory = recordKeyOf(entry);
            byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), entry]);
          }
          for (const [recordKey, entries] of byDirectory) {
            const messageSid = (entries[0] as ArchiveEntry).messageSid;
            messages.add(messageSid);
            const recorded = await addRecord(recordKey, messageSid);
            for (const entry of entries) addMedia(entry, recorded.get(entry.mediaSid));
          }
        }
      }
      const manifest = () => ({
        schema: 'twilio-media-archiver/export',
        version: 1,
        createdAt: new Date().toISOString(),
        bucket: config.bucket,
        prefix,
        days: { since: days[0], until: days.at(-1) },
        accounts,
        messages: messages.size,
        files,
      });
      // Both are built when the zip reaches them, after every file before them was read and hashed.
      let manifestText = '';
      zip.addReadStreamLazy('manifest.json', (cb) => {
        manifestText = `${JSON.stringify(manifest(), null, 2)}\n`;
        cb(null, Readable.from([Buffer.from(manifestText)]));
      });
      zip.addReadStreamLazy('SHA256SUMS', (cb) => {
        const lines = [
          ...files.map((file) => `${file.sha256}  ${file.path}`),
          `${sha256Of(Buffer.from(manifestText))}  manifest.json`,
        ];
        cb(null, Readable.from([Buffer.from(`${lines.join('\n')}\n`)]));
      });
      zip.end();
      await Promise.race([output, failed]);
      await rename(partial, target);
    } catch (error) {
      (zip.outputStream as unknown as Readable).destroy();
      await output.catch(() => undefined);
      await rm(partial, { force: true });
      throw error;
    } finally {
      progress.done();
    }
    const summary = {
      output: target,
      days: { since: days[0], until: days.at(-1) },
      messages: messages.size,
      files: files.length + 2,
      bytes,
    };
    if (args.json) await writeLine(io.stdout, JSON.stringify(summary, null, 2));
    else {
      await writeLine(
        io.stdout,
        `${target}: ${messages.size} messages, ${files.length} files (${formatBytes(bytes)} of media) + manifest.json, SHA256SUMS`,
      );
    }
    return 0;
  });

export const command = defineCommand<ExportArgs>({
  name: 'export',
  kind: 'operation',
  summary: SUMMARY.export,
  help: HELP.export,
  options: OPTIONS,
  parse,
  run: runExport,
});

export const run = (argv: readonly string[], io: CommandIo): Promise<number> =>
  runCommand(command, argv, io);
