import { randomBytes } from 'node:crypto';
import {
  ERASURE_RECEIPT_SCHEMA,
  ERASURE_RECEIPT_VERSION,
  type ErasureReceipt,
  erasureReceiptKey,
  serializeErasureReceipt,
} from '../../domain/erasure.ts';
import { messageKeyPrefixes } from '../../domain/message-record.ts';
import { isAccountSid, isMessageSid } from '../../domain/sids.ts';
import type { Day } from '../../domain/utc-day.ts';
import { erasePrefixes } from '../../use-cases/erase-archive.ts';
import { scanParticipantMessages } from '../../use-cases/find-participant.ts';
import { runArchiveCommand } from '../archive-command.ts';
import { type CommandIo, defineCommand, parseOptions, runCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { parseDay, resolveDays } from '../days.ts';
import { NotInArchiveError, UsageError } from '../errors.ts';
import { writeLine } from '../format.ts';
import { HELP, SUMMARY } from '../help.ts';
import { parseParticipant, participantLookup } from '../participant-args.ts';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
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
  if (values.account !== undefined && !isAccountSid(values.account)) {
    throw new UsageError('--account must be an AC… SID');
  }
  const participant = parseParticipant(values.participant);
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
  io: CommandIo,
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
  const lookup = await participantLookup(target.participant, false, io.env ?? process.env);
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

const runErase = (args: EraseArgs, io: CommandIo): Promise<number> =>
  runArchiveCommand('erase', HELP.erase, io, args, async (args, { context, archive, config }) => {
    const eraser = archive.eraser();
    const messages = await matchedMessages(args, context, io);
    const prefix = config.archivePrefix;
    // Media, record and index entry, in the layout of every version that wrote them.
    const prefixes = messages.flatMap((m) => messageKeyPrefixes(prefix, m));
    const now = (io.now ?? (() => new Date()))();
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
  });

export const command = defineCommand<EraseArgs>({
  name: 'erase',
  kind: 'operation',
  summary: SUMMARY.erase,
  help: HELP.erase,
  options: OPTIONS,
  parse,
  run: runErase,
});

export const run = (argv: readonly string[], io: CommandIo): Promise<number> =>
  runCommand(command, argv, io);
