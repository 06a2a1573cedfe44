import pLimit from 'p-limit';
import { isMediaSid, isMessageSid } from '../../domain/sids.ts';
import type { Day } from '../../domain/utc-day.ts';
import type { LegalHolds } from '../../ports/legal-holds.ts';
import { type CommandContext, defineCommand, type RunContext } from '../command.ts';
import { parseDay } from '../days.ts';
import { NoObjectLockError, NotInArchiveError, UsageError } from '../errors.ts';
import { writeLine } from '../format.ts';
import { accountOption, HELP_OPTION, parseOptions } from '../options.ts';
import { findMediaKey } from './find-media.ts';

const OPTIONS = {
  ...HELP_OPTION,
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
  const { values, positionals } = parseOptions(argv, OPTIONS, { positionals: true });
  if (values.help) return undefined;
  if (positionals.length > 1) throw new UsageError(`one SID at a time (got ${positionals.length})`);
  const target = positionals[0];
  if (!target) throw new UsageError('give a message (MM…/SM…) or media (ME…) SID');
  if (!isMessageSid(target) && !isMediaSid(target)) {
    throw new UsageError(`${target} is not an MM…/SM… or ME… SID`);
  }
  if (values.message !== undefined && !isMessageSid(values.message)) {
    throw new UsageError('--message must be an MM…/SM… SID');
  }
  accountOption(values.account);
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
  // The record is held as an object, whatever it says: the lookup that finds the media names it
  // (its own key, or a legacy `message.json` beside the media).
  const { entries, records } = context.reader.findMessageFiles
    ? await context.reader.findMessageFiles(args.target, args.date)
    : { entries: await context.reader.findMessage(args.target, args.date), records: [] };
  if (entries.length === 0) {
    throw new NotInArchiveError(
      `message ${args.target} not found${args.date ? ` on ${args.date}` : ''}`,
    );
  }
  return [...entries.map((entry) => entry.key), ...records.map((record) => record.key)];
};

/**
 * Asks S3 before any write: a local S3 once took PutObjectLegalHold as a PutObject of its XML
 * body and replaced every object it was asked to hold.
 */
const requireObjectLock = async (holds: LegalHolds, bucket: string): Promise<void> => {
  const state = await holds.objectLock();
  if (!state.enabled) throw new NoObjectLockError(bucket, state.answer);
};

const runHold = async (args: HoldArgs, io: RunContext): Promise<number> => {
  const context = io.archive(args);
  const { archive, config } = context;
  await requireObjectLock(archive.legalHolds, config.bucket);
  const keys = await keysFor(args, context);
  const status = args.release ? 'OFF' : 'ON';
  const limit = pLimit(4);
  let done = 0;
  await Promise.all(
    keys.map((key) =>
      limit(async () => {
        await archive.legalHolds.setLegalHold(key, status);
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
};

const HELP = `Usage: media-archive hold MM…|SM…|ME… [--release] [options]

Sets (or with --release clears) an S3 Object Lock legal hold: a held object version cannot be
deleted or overwritten, whatever its retention, until the hold is released. A message SID holds
all its media and its message record; a media SID holds that media only.

  --release              clear the legal hold instead of setting it
  --message MM…          (with ME…) the media's message: 2 listings instead of a day scan
  --date YYYY-MM-DD      the UTC day the message was received
  --days N               (ME… alone) days to search back from today (default 7)
  --account AC…          only this account (default TWILIO_ACCOUNT_SID, else all)
  --json                 JSON on stdout
  --local                the local stack's S3 (which has no Object Lock: always refused)
  -h, --help             this help

Needs a bucket created with Object Lock (deploy param objectLockMode): it asks S3 first
(GetObjectLockConfiguration) and changes nothing on a bucket without it. Permissions for these
credentials: s3:GetBucketObjectLockConfiguration, s3:PutObjectLegalHold (and s3:ListBucket,
s3:GetObject to find the objects).
Environment: ARCHIVE_BUCKET, ARCHIVE_PREFIX, the standard AWS credential chain.
`;

export const command = defineCommand<HoldArgs>({
  name: 'hold',
  kind: 'operation',
  summary: 'set (--release: clear) an Object Lock legal hold on a message or media',
  help: HELP,
  options: OPTIONS,
  parse,
  run: runHold,
});
