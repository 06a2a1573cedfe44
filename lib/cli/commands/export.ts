import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { formatBytes } from '../../domain/bytes.ts';
import { countOf } from '../../domain/count.ts';
import { recordKeyFor } from '../../domain/message-record.ts';
import { involves } from '../../domain/participant.ts';
import {
  type ReadVerdict,
  type VerifiedAgainst,
  verifyReadBack,
} from '../../domain/read-verification.ts';
import type { Day } from '../../domain/utc-day.ts';
import type { ArchiveEntry, RecordLookup } from '../../ports/archive-reader.ts';
import { readEvidenceOf, verifyingStream, verifyRecordBytes } from '../../use-cases/verify-read.ts';
import { defineCommand, type RunContext } from '../command.ts';
import { parseDay, resolveDays } from '../days.ts';
import { FileExistsError, IntegrityError, UsageError } from '../errors.ts';
import { writeLine } from '../format.ts';
import { accountOption, HELP_OPTION, parseOptions, participantOption } from '../options.ts';

const OPTIONS = {
  ...HELP_OPTION,
  since: { type: 'string' },
  until: { type: 'string' },
  date: { type: 'string' },
  account: { type: 'string' },
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
  'allow-unverified': { type: 'boolean' },
  participant: { type: 'string' },
} as const;

interface ExportArgs {
  range: { since?: Day; until?: Day; date?: Day };
  account?: string;
  output: string;
  force: boolean;
  json: boolean;
  local: boolean;
  /** Export files only metadata speaks for (listed apart from SHA256SUMS) instead of refusing. */
  allowUnverified: boolean;
  /** Only the messages this address took part in (matched by keyed pseudonym, as `find`). */
  participant?: string;
}

const parse = (argv: readonly string[]): ExportArgs | undefined => {
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) return undefined;
  if (!values.output) throw new UsageError('-o FILE.zip is required');
  if (!values.date && !(values.since && values.until)) {
    throw new UsageError('give --since and --until (or --date)');
  }
  if (values.date && (values.since || values.until)) {
    throw new UsageError('--date excludes --since/--until');
  }
  accountOption(values.account);
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
    allowUnverified: values['allow-unverified'] ?? false,
    ...(values.participant !== undefined
      ? { participant: participantOption(values.participant) as string }
      : {}),
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
  /** What proved these bytes (`read-verification.ts`); `none` only with --allow-unverified. */
  verifiedAgainst: VerifiedAgainst;
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A verdict the export may ship, or the error that stops it. */
const refusal = (
  key: string,
  verdict: ReadVerdict,
  allowUnverified: boolean,
  /** The record a media was compared with: either of the two may be the broken one. */
  recordKey?: string,
) => {
  if (verdict.status === 'damaged') {
    const against = recordKey ? ` (message record ${recordKey})` : '';
    return new IntegrityError(`${key}: ${verdict.problems.join('; ')}${against}`);
  }
  if (verdict.status === 'unverified' && !allowUnverified) {
    return new IntegrityError(
      `${key}: not verified (${verdict.reason}); export refuses it (--allow-unverified exports it, outside SHA256SUMS)`,
    );
  }
  return undefined;
};

const runExport = async (args: ExportArgs, io: RunContext): Promise<number> => {
  const context = io.archive(args);
  const { config } = context;
  const target = resolve(context.cwd, args.output);
  if (!args.force) {
    const exists = await access(target).then(
      () => true,
      () => false,
    );
    if (exists) throw new FileExistsError(target);
  }
  const days = resolveDays(args.range, context.today, 1);
  const lookup =
    args.participant === undefined
      ? undefined
      : await io.participantLookup(args.participant, args.local);
  const prefix = config.archivePrefix;
  const zip = new yazl.ZipFile();
  const files: ManifestFile[] = [];
  const unreadable: { key: string; reason: string }[] = [];
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
  const addMedia = (entry: ArchiveEntry, record: RecordLookup) => {
    const file: ManifestFile = {
      path: entry.key.slice(prefix.length),
      key: entry.key,
      kind: 'media',
      messageSid: entry.messageSid,
      mediaSid: entry.mediaSid,
      size: entry.size,
      sha256: '',
      verifiedAgainst: 'none',
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
            const check = verifyingStream((observed) => {
              file.size = observed.size;
              file.sha256 = observed.sha256Hex ?? '';
              const verdict = verifyReadBack(observed, readEvidenceOf(media, record, entry.key));
              if (verdict.status !== 'damaged') file.verifiedAgainst = verdict.against;
              const recordKey = record.state === 'found' ? record.key : undefined;
              return refusal(entry.key, verdict, args.allowUnverified, recordKey);
            });
            check.on('end', () => {
              written += 1;
              bytes += file.size;
              progress.update(
                `exporting: ${written}/${countOf(files.length, 'file')}, ${formatBytes(bytes)}`,
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

  /** Adds the message record, if any, checked against S3's checksum of its own bytes. */
  const addRecord = async (mediaKey: string, messageSid: string): Promise<RecordLookup> => {
    const record = await context.reader.messageRecordOf(mediaKey);
    if (record.state === 'unreadable') {
      if (!args.allowUnverified) {
        throw new IntegrityError(
          `${record.key}: the message record is unreadable (${record.reason}); export refuses the message (--allow-unverified exports its media without it)`,
        );
      }
      unreadable.push({ key: record.key, reason: record.reason });
      return record;
    }
    if (record.state === 'absent') return record;
    const verdict = verifyRecordBytes(record);
    const refused = refusal(record.key, verdict, args.allowUnverified);
    if (refused) throw refused;
    const file: ManifestFile = {
      path: record.key.slice(prefix.length),
      key: record.key,
      kind: 'record',
      messageSid,
      contentType: 'application/json',
      size: record.bytes.length,
      sha256: sha256Of(record.bytes),
      verifiedAgainst: verdict.status === 'verified' ? verdict.against : 'none',
    };
    files.push(file);
    zip.addBuffer(record.bytes, file.path);
    return record;
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
          const directory = recordKeyFor(entry.key);
          byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), entry]);
        }
        for (const entries of byDirectory.values()) {
          const first = entries[0] as ArchiveEntry;
          if (lookup) {
            // A message without a readable record cannot be matched: it is left out.
            const found = await context.reader.messageRecordOf(first.key);
            if (found.state !== 'found' || !involves(found.record.participants, lookup)) continue;
          }
          messages.add(first.messageSid);
          const record = await addRecord(first.key, first.messageSid);
          for (const entry of entries) addMedia(entry, record);
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
      ...(unreadable.length > 0 ? { unreadableRecords: unreadable } : {}),
    });
    // Both are built when the zip reaches them, after every file before them was read and hashed.
    let manifestText = '';
    zip.addReadStreamLazy('manifest.json', (cb) => {
      manifestText = `${JSON.stringify(manifest(), null, 2)}\n`;
      cb(null, Readable.from([Buffer.from(manifestText)]));
    });
    // SHA256SUMS vouches only for proven bytes (and the manifest, which says what proved them).
    zip.addReadStreamLazy('SHA256SUMS', (cb) => {
      const lines = [
        ...files
          .filter((file) => file.verifiedAgainst !== 'none')
          .map((file) => `${file.sha256}  ${file.path}`),
        `${sha256Of(Buffer.from(manifestText))}  manifest.json`,
      ];
      cb(null, Readable.from([Buffer.from(`${lines.join('\n')}\n`)]));
    });
    if (args.allowUnverified) {
      zip.addReadStreamLazy('SHA256SUMS.unverified', (cb) => {
        const lines = files
          .filter((file) => file.verifiedAgainst === 'none')
          .map((file) => `${file.sha256}  ${file.path}\n`);
        cb(null, Readable.from([Buffer.from(lines.join(''))]));
      });
    }
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
  const unverified = files.filter((file) => file.verifiedAgainst === 'none').length;
  const summary = {
    output: target,
    days: { since: days[0], until: days.at(-1) },
    messages: messages.size,
    files: files.length + (args.allowUnverified ? 3 : 2),
    bytes,
    unverified,
  };
  if (args.json) await writeLine(io.stdout, JSON.stringify(summary, null, 2));
  else {
    await writeLine(
      io.stdout,
      `${target}: ${countOf(messages.size, 'message')}, ${countOf(files.length, 'file')} (${formatBytes(bytes)} of media) + manifest.json, SHA256SUMS${args.allowUnverified ? `, SHA256SUMS.unverified (${countOf(unverified, 'file')} nothing but metadata speaks for)` : ''}`,
    );
  }
  return 0;
};

const HELP = `Usage: media-archive export --since YYYY-MM-DD --until YYYY-MM-DD -o FILE.zip [options]

Writes the archived messages of those UTC days (each message's record and media) into one zip,
with a manifest an auditor checks with standard tools:

  unzip FILE.zip -d export && cd export && sha256sum -c SHA256SUMS

Every file is read back from S3 and verified: a media against its message record (the SHA-256 S3
confirmed at archive time), else against S3's own SHA-256; a record against S3's SHA-256 of it.
manifest.json says per file what it was verified against (record, s3-checksum, none). A mismatch
stops the export (nothing is left at FILE.zip); so do a file nothing but metadata speaks for and
an unreadable record, unless --allow-unverified, which keeps such files out of SHA256SUMS (they
are listed in SHA256SUMS.unverified), so sha256sum -c vouches only for proven bytes.

  --since, --until       first and last UTC day (inclusive); --date D for one day
  --account AC…          only this account (default TWILIO_ACCOUNT_SID, else all)
  -o, --output FILE.zip  where to write (refuses to overwrite without --force)
  --force                overwrite FILE.zip
  --json                 the summary as JSON on stdout
  --allow-unverified     export files only metadata speaks for, outside SHA256SUMS
  --participant ADDRESS  only the messages this address took part in (as find; needs the key)
  --local                the local stack's S3
  -h, --help             this help

Layout: {AC}/{YYYY}/{MM}/{DD}/{MessageSid}/{MediaSid}.{ext} and _records/{AC}/{YYYY}/{MM}/{DD}/
{MessageSid}.json (…/message.json in older archives) as in the bucket,
manifest.json (every file with its key, size, SHA-256, message and media SID, verifiedAgainst)
and SHA256SUMS (sha256sum format, every verified file, manifest.json included).
`;

export const command = defineCommand<ExportArgs>({
  name: 'export',
  kind: 'operation',
  summary: 'write days of messages and media into a zip with SHA256SUMS and manifest.json',
  help: HELP,
  options: OPTIONS,
  parse,
  run: runExport,
});
