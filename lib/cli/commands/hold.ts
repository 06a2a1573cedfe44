import { PutObjectLegalHoldCommand } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { parseFlags } from '../../backfill/cli-runtime.ts';
import { MESSAGE_RECORD_FILE } from '../../domain/message-record.ts';
import { isAccountSid, isMediaSid, isMessageSid } from '../../domain/sids.ts';
import { runArchiveCommand } from '../archive-command.ts';
import type { CommandContext } from '../context.ts';
import { type Day, parseDay } from '../days.ts';
import { NotInArchiveError, UsageError } from '../errors.ts';
import { writeLine } from '../format.ts';
import type { CliIo } from '../main.ts';
import { findMediaKey } from './find-media.ts';

export const HELP = `Usage: media-archive hold MM…|SM…|ME… [--release] [options]

Sets (or with --release clears) an S3 Object Lock legal hold: a held object version cannot be
deleted or overwritten, whatever its retention, until the hold is released. A message SID holds
all its media and its message record; a media SID holds that media only.

  --release              clear the legal hold instead of setting it
  --message MM…          (with ME…) the media's message: 2 listings instead of a day scan
  --date YYYY-MM-DD      the UTC day the message was received
  --days N               (ME… alone) days to search back from today (default 7)
  --account AC…          only this account (default TWILIO_ACCOUNT_SID, else all)
  --json                 JSON on stdout
  --local                the local stack's s3rver (which has no Object Lock)
  -h, --help             this help

Needs a bucket created with Object Lock (deploy param objectLockMode) and, for these
credentials, s3:PutObjectLegalHold (and s3:ListBucket, s3:GetObject to find the objects).
Environment: ARCHIVE_BUCKET, ARCHIVE_PREFIX, the standard AWS credential chain.
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  release: { type: 'boolean' },
  message: { type: 'string' },
  date: { type: 'string' },
  days: { type: 'string' },
  account: { type: 'string' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
} as const;

interface HoldArgs {
  target: string;
  release: boolean;
  message?: string;
  date?: Day;
  days: number;
  account?: string;
  json: boolean;
  local: boolean;
}

const parse = (argv: readonly string[]): HoldArgs | undefined => {
  // parseFlags is strict about positionals: the SID is taken out first.
  const values = parseFlags(flagsWithValues(argv), OPTIONS);
  if (values.help) return undefined;
  const target = positionalOf(argv);
  if (!target) throw new UsageError('give a message (MM…/SM…) or media (ME…) SID');
  if (!isMessageSid(target) && !isMediaSid(target)) {
    throw new UsageError(`${target} is not an MM…/SM… or ME… SID`);
  }
  if (values.message !== undefined && !isMessageSid(values.message)) {
    throw new UsageError('--message must be an MM…/SM… SID');
  }
  if (values.account !== undefined && !isAccountSid(values.account)) {
    throw new UsageError('--account must be an AC… SID');
  }
  if (values.days !== undefined && !/^[1-9]\d{0,3}$/.test(values.days)) {
    throw new UsageError('--days must be a positive integer');
  }
  return {
    target,
    release: values.release ?? false,
    ...(values.message ? { message: values.message } : {}),
    ...(values.date ? { date: parseDay(values.date, '--date') } : {}),
    days: Number(values.days ?? 7),
    ...(values.account ? { account: values.account } : {}),
    json: values.json ?? false,
    local: values.local ?? false,
  };
};

const VALUE_FLAGS = new Set(['--message', '--date', '--days', '--account']);

/** The arguments without the one positional SID. */
const flagsWithValues = (argv: readonly string[]): string[] => {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg.startsWith('-')) {
      out.push(arg);
      if (VALUE_FLAGS.has(arg) && i + 1 < argv.length) {
        i += 1;
        out.push(argv[i] as string);
      }
    }
  }
  return out;
};

const positionalOf = (argv: readonly string[]): string | undefined => {
  const found: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg.startsWith('-')) {
      if (VALUE_FLAGS.has(arg)) i += 1;
      continue;
    }
    found.push(arg);
  }
  if (found.length > 1) throw new UsageError(`one SID at a time (got ${found.length})`);
  return found[0];
};

/** The object keys a hold covers: a message's media and record, or one media. */
const keysFor = async (args: HoldArgs, context: CommandContext): Promise<string[]> => {
  if (isMediaSid(args.target)) {
    return [
      await findMediaKey(
        {
          target: args.target,
          days: args.days,
          ...(args.message ? { message: args.message } : {}),
          ...(args.date ? { date: args.date } : {}),
        },
        context,
      ),
    ];
  }
  context.progress.update(`looking up message ${args.target}`);
  const entries = await context.reader.findMessage(args.target, args.date);
  if (entries.length === 0) {
    throw new NotInArchiveError(
      `message ${args.target} not found${args.date ? ` on ${args.date}` : ''}`,
    );
  }
  // The record is held as an object, whatever it says: a HEAD per message directory finds it.
  const recordKeys = new Set(
    entries.map(
      (entry) => `${entry.key.slice(0, entry.key.lastIndexOf('/') + 1)}${MESSAGE_RECORD_FILE}`,
    ),
  );
  const records: string[] = [];
  for (const key of recordKeys) {
    try {
      await context.reader.describe(key);
      records.push(key);
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata
        ?.httpStatusCode;
      if (status !== 404) throw error;
    }
  }
  return [...entries.map((entry) => entry.key), ...records];
};

export const run = (argv: readonly string[], io: CliIo): Promise<number> =>
  runArchiveCommand(
    'hold',
    HELP,
    io,
    () => parse(argv),
    async (args, { context, s3, config }) => {
      const keys = await keysFor(args, context);
      const status = args.release ? 'OFF' : 'ON';
      const limit = pLimit(4);
      let done = 0;
      await Promise.all(
        keys.map((key) =>
          limit(async () => {
            // The SDK adds the checksum S3 requires for this call, whatever the client's settings.
            try {
              await s3.send(
                new PutObjectLegalHoldCommand({
                  Bucket: config.bucket,
                  Key: key,
                  LegalHold: { Status: status },
                }),
              );
            } catch (error) {
              if ((error as { name?: string }).name !== 'InvalidRequest') throw error;
              throw new Error(
                `S3 refused the legal hold on ${key}: is the bucket created with Object Lock? (deploy param objectLockMode)`,
                { cause: error },
              );
            }
            done += 1;
            context.progress.update(`legal hold ${status}: ${done}/${keys.length}`);
          }),
        ),
      );
      context.progress.done();
      if (args.json) {
        await writeLine(io.stdout, JSON.stringify({ legalHold: status, keys }, null, 2));
      } else {
        for (const key of keys) await writeLine(io.stdout, `${key}\thold=${status}`);
      }
      return 0;
    },
  );
