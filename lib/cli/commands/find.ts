import { openRecordQuery } from '../../compose/cli.ts';
import { readAthenaConfig } from '../../config/cli.ts';
import { describeAthenaScan } from '../../domain/athena-cost.ts';
import { countOf } from '../../domain/count.ts';
import { isAccountSid } from '../../domain/sids.ts';
import type { Day } from '../../domain/utc-day.ts';
import {
  type ParticipantMessage,
  queryParticipantMessages,
  scanParticipantMessages,
} from '../../use-cases/find-participant.ts';
import { runArchiveCommand } from '../archive-command.ts';
import { type CommandIo, defineCommand, runCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { parseDay, resolveDays } from '../days.ts';
import { UsageError } from '../errors.ts';
import { writeLine } from '../format.ts';
import { HELP, SUMMARY } from '../help.ts';
import { parseFlags } from '../ops-runtime.ts';
import { parseParticipant, participantLookup } from '../participant-args.ts';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  participant: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  date: { type: 'string' },
  days: { type: 'string' },
  account: { type: 'string' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
  athena: { type: 'boolean' },
} as const;

export interface FindArgs {
  participant: string;
  range: { since?: Day; until?: Day; date?: Day; days?: number };
  account?: string;
  json: boolean;
  local: boolean;
  athena: boolean;
}

const parse = (argv: readonly string[]): FindArgs | undefined => {
  const values = parseFlags(argv, OPTIONS);
  if (values.help) return undefined;
  const participant = parseParticipant(values.participant);
  if (participant === undefined) throw new UsageError('--participant ADDRESS is required');
  if (values.athena && values.local) {
    throw new UsageError('--athena queries a deployment: the local stack has no Athena');
  }
  if (values.account !== undefined && !isAccountSid(values.account)) {
    throw new UsageError('--account must be an AC… SID');
  }
  if (values.days !== undefined && !/^[1-9]\d{0,3}$/.test(values.days)) {
    throw new UsageError('--days must be a positive integer');
  }
  return {
    participant,
    range: {
      ...(values.date ? { date: parseDay(values.date, '--date') } : {}),
      ...(values.since ? { since: parseDay(values.since, '--since') } : {}),
      ...(values.until ? { until: parseDay(values.until, '--until') } : {}),
      ...(values.days ? { days: Number(values.days) } : {}),
    },
    ...(values.account ? { account: values.account } : {}),
    json: values.json ?? false,
    local: values.local ?? false,
    athena: values.athena ?? false,
  };
};

/** The same shape from the scan and from Athena: JSON, or a line per message and its media keys. */
const printMessages = async (
  args: FindArgs,
  io: CommandIo,
  messages: readonly ParticipantMessage[],
  summary: Record<string, unknown>,
): Promise<void> => {
  if (args.json) {
    await writeLine(io.stdout, JSON.stringify({ ...summary, messages }, null, 2));
    return;
  }
  for (const message of messages) {
    const as = message.as.map((p) => `${p.role}:${p.channel}`).join(',');
    await writeLine(
      io.stdout,
      `${message.messageSid}\t${message.receivedAt}\t${message.direction}\t${as}\t${message.recordKey}`,
    );
    for (const key of message.mediaKeys) await writeLine(io.stdout, `  ${key}`);
  }
};

const runFind = (args: FindArgs, io: CommandIo): Promise<number> =>
  runArchiveCommand('find', HELP.find, io, args, async (args, { context }) => {
    const lookup = await participantLookup(args.participant, args.local, io.env ?? process.env);
    const days = resolveDays(args.range, context.today, 30);
    if (args.athena) return findWithAthena(args, io, context, lookup, days);
    const scan = await scanParticipantMessages(context.reader, days, lookup, (day, index) =>
      context.progress.update(`scanning records of ${day} (${index + 1}/${days.length} days)`),
    );
    context.progress.done();
    await printMessages(args, io, scan.messages, {
      days: { since: days[0], until: days.at(-1) },
      method: 'scan',
      recordsRead: scan.recordsRead,
      withoutRecord: scan.withoutRecord,
    });
    if (args.json) return 0;
    io.stderr.write(
      `${countOf(scan.messages.length, 'message')} in ${countOf(days.length, 'day')} (${countOf(scan.recordsRead, 'record')} read${scan.withoutRecord > 0 ? `, ${countOf(scan.withoutRecord, 'message')} without a readable record could not be matched` : ''})\n`,
    );
    return 0;
  });

const findWithAthena = async (
  args: FindArgs,
  io: CommandIo,
  context: CommandContext,
  lookup: ReadonlySet<string>,
  days: readonly Day[],
): Promise<number> => {
  const athena = readAthenaConfig(io.env ?? process.env);
  const query = openRecordQuery(athena);
  try {
    context.progress.update('querying the records with Athena');
    const found = await queryParticipantMessages(query, athena, {
      lookup,
      since: days[0] as Day,
      until: days.at(-1) as Day,
      accounts: await context.reader.accounts(),
    });
    context.progress.done();
    await printMessages(args, io, found.messages, {
      days: { since: days[0], until: days.at(-1) },
      method: 'athena',
      accounts: found.accounts,
      dataScannedBytes: found.dataScannedBytes,
    });
    io.stderr.write(
      `${countOf(found.messages.length, 'message')} in ${countOf(days.length, 'day')} of ${countOf(found.accounts.length, 'account')}; ${describeAthenaScan(found.dataScannedBytes)}\n`,
    );
    return 0;
  } finally {
    query.destroy();
  }
};

export const command = defineCommand<FindArgs>({
  name: 'find',
  kind: 'operation',
  summary: SUMMARY.find,
  help: HELP.find,
  options: OPTIONS,
  parse,
  run: runFind,
});

export const run = (argv: readonly string[], io: CommandIo): Promise<number> =>
  runCommand(command, argv, io);
