import { randomBytes } from 'node:crypto';
import {
  ERASURE_RECEIPT_SCHEMA,
  ERASURE_RECEIPT_VERSION,
  type ErasureReceipt,
  erasureReceiptKey,
  serializeErasureReceipt,
} from '../../domain/erasure.ts';
import { messageKeyPrefixes } from '../../domain/message-record.ts';
import { isMessageSid } from '../../domain/sids.ts';
import type { Day } from '../../domain/utc-day.ts';
import { erasePrefixes } from '../../use-cases/erase-archive.ts';
import { scanParticipantMessages } from '../../use-cases/find-participant.ts';
import { type CommandContext, defineCommand, type RunContext } from '../command.ts';
import { parseDay, resolveDays } from '../days.ts';
import { NotInArchiveError, UsageError } from '../errors.ts';
import { writeLine } from '../format.ts';
import { accountOption, HELP_OPTION, parseOptions, participantOption } from '../options.ts';

const OPTIONS = {
  ...HELP_OPTION,
  participant: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  date: { type: 'string' },
  account: { type: 'string' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean' },
  'bypass-governance': { type: 'boolean' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
} as const;

interface EraseArgs {
  target: { participant: string; since: Day; until: Day } | { messageSid: string; date?: Day };
  account?: string;
  dryRun: boolean;
  bypassGovernance: boolean;
  json: boolean;
  local: boolean;
}

const parse = (argv: readonly string[]): EraseArgs | undefined => {
  const { values, positionals } = parseOptions(argv, OPTIONS, { positionals: true });
  if (values.help) return undefined;
  if (values.local) {
    // fauxqs keeps no object versions: an erasure there could not prove every version went.
    throw new UsageError(
      '--local: the local S3 keeps no object versions; erase runs against AWS (or moto)',
    );
  }
  if (!values['dry-run'] && !values.yes)
    throw new UsageError('erase deletes: add --yes (or --dry-run)');
  accountOption(values.account);
  const participant = participantOption(values.participant);
  let target: EraseArgs['target'];
  if (participant !== undefined) {
    if (positionals.length > 0) throw new UsageError('a message SID or --participant, not both');
    const date = values.date ? parseDay(values.date, '--date') : undefined;
    const since = date ?? (values.since ? parseDay(values.since, '--since') : undefined);
    const until = date ?? (values.until ? parseDay(values.until, '--until') : undefined);
    if (!since || !until)
      throw new UsageError('--participant needs --since and --until (or --date)');
    if (until < since) throw new UsageError('--until is before --since');
    target = { participant, since, until };
  } else {
    if (positionals.length !== 1)
      throw new UsageError('give one message SID (MM…/SM…) or --participant');
    const messageSid = positionals[0] as string;
    if (!isMessageSid(messageSid)) throw new UsageError(`${messageSid} is not an MM…/SM… SID`);
    target = { messageSid, ...(values.date ? { date: parseDay(values.date, '--date') } : {}) };
  }
  return {
    target,
    ...(values.account ? { account: values.account } : {}),
    dryRun: values['dry-run'] ?? false,
    bypassGovernance: values['bypass-governance'] ?? false,
    json: values.json ?? false,
    local: false,
  };
};

interface Matched {
  accountSid: string;
  messageSid: string;
  day: Day;
  receivedAt?: string;
}

const matchedMessages = async (
  args: EraseArgs,
  context: CommandContext,
  io: RunContext,
): Promise<Matched[]> => {
  const { target } = args;
  if ('messageSid' in target) {
    context.progress.update(`looking up message ${target.messageSid}`);
    const entries = await context.reader.findMessage(target.messageSid, target.date);
    const first = entries[0];
    if (!first) {
      throw new NotInArchiveError(
        `message ${target.messageSid} not found${target.date ? ` on ${target.date}` : ''}`,
      );
    }
    return [
      {
        accountSid: first.accountSid,
        messageSid: first.messageSid,
        day: first.day,
      },
    ];
  }
  const lookup = await io.participantLookup(target.participant, false);
  const days = resolveDays({ since: target.since, until: target.until }, context.today, 1);
  const scan = await scanParticipantMessages(context.reader, days, lookup, (day, index) =>
    context.progress.update(`scanning records of ${day} (${index + 1}/${days.length} days)`),
  );
  return scan.messages.map((m) => ({
    accountSid: m.accountSid,
    messageSid: m.messageSid,
    day: m.day,
    receivedAt: m.receivedAt,
  }));
};

const runErase = async (args: EraseArgs, io: RunContext): Promise<number> => {
  const context = io.archive(args);
  const { archive, config } = context;
  const eraser = archive.eraser();
  const messages = await matchedMessages(args, context, io);
  const prefix = config.archivePrefix;
  // Media, record and index entry, in the layout of every version that wrote them.
  const prefixes = messages.flatMap((m) => messageKeyPrefixes(prefix, m));
  const now = io.now();
  const plan = await erasePrefixes(eraser, prefixes, {
    now,
    bypassGovernance: args.bypassGovernance,
    dryRun: args.dryRun,
    onPrefix: (done) => context.progress.update(`erasing: ${done}/${prefixes.length} prefixes`),
  });
  context.progress.done();
  const { target } = args;
  const receipt: ErasureReceipt = {
    schema: ERASURE_RECEIPT_SCHEMA,
    version: ERASURE_RECEIPT_VERSION,
    erasedAt: now.toISOString(),
    by: await eraser.callerIdentity(),
    request:
      'messageSid' in target
        ? { kind: 'message', messageSid: target.messageSid }
        : {
            kind: 'participant',
            since: target.since,
            until: target.until,
            accounts: [...new Set(messages.map((m) => m.accountSid))].sort(),
          },
    messages: messages.map((m) => ({
      accountSid: m.accountSid,
      messageSid: m.messageSid,
      ...(m.receivedAt ? { receivedAt: m.receivedAt } : {}),
    })),
    counts: {
      messages: messages.length,
      keys: plan.keys.length,
      versionsDeleted: plan.deleted.length,
      versionsRetained: plan.retained.length,
    },
    deleted: plan.deleted,
    retained: plan.retained,
  };
  let receiptKey: string | undefined;
  if (!args.dryRun) {
    receiptKey = erasureReceiptKey(now, randomBytes(4).toString('hex'));
    await eraser.putReceipt(receiptKey, serializeErasureReceipt(receipt));
  }
  if (args.json) {
    await writeLine(
      io.stdout,
      JSON.stringify({ dryRun: args.dryRun, receiptKey, ...receipt }, null, 2),
    );
  } else {
    const verb = args.dryRun ? 'would delete' : 'deleted';
    for (const v of plan.deleted) {
      await writeLine(
        io.stdout,
        `${verb}\t${v.key}\t${v.versionId}${v.deleteMarker ? '\t(delete marker)' : ''}`,
      );
    }
    for (const v of plan.retained) {
      await writeLine(io.stdout, `retained\t${v.key}\t${v.versionId}\t${v.reason}`);
    }
    io.stderr.write(
      `${messages.length} messages, ${plan.keys.length} keys: ${plan.deleted.length} versions ${verb}, ${plan.retained.length} retained${receiptKey ? `; receipt ${receiptKey}` : ' (dry run: nothing deleted, no receipt)'}\n`,
    );
  }
  return 0;
};

const HELP = `Usage: media-archive erase (--participant ADDRESS --since D --until D | MM…|SM…) --yes [options]

Deletes every version of the media and message records of a participant in a window (as find
matches them), or of one message, and writes an erasure receipt _erasures/{time}-{id}.json
beside the archive prefix (when, window, counts, keys, who ran it; no number).
Versions under Object Lock COMPLIANCE retention or a legal hold are never touched: they are
listed as retained, with the reason. GOVERNANCE retention is bypassed only with
--bypass-governance (and s3:BypassGovernanceRetention); otherwise it is retained too.

  --participant ADDRESS  as for find (needs ARCHIVE_PARTICIPANT_KEY)
  --since, --until       first and last UTC day (inclusive); --date D for one day
  --date YYYY-MM-DD      (MM…) the day of the message: 2 listings instead of the index
  --account AC…          only this account (default TWILIO_ACCOUNT_SID, else all)
  --dry-run              list what would be deleted and retained; delete nothing, no receipt
  --yes                  required to delete
  --bypass-governance    delete versions under GOVERNANCE retention too
  --json                 JSON on stdout
  --local                the local stack's S3 (refused: it keeps no object versions)
  -h, --help             this help

Runs with operator credentials (infra/eraser-policy.json): the archiver's roles cannot delete.
`;

export const command = defineCommand<EraseArgs>({
  name: 'erase',
  kind: 'operation',
  summary: "delete every version of a participant's (or one message's) media and records",
  help: HELP,
  options: OPTIONS,
  parse,
  run: runErase,
});
