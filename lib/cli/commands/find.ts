import { countOf } from '../../domain/count.ts';
import { isAccountSid } from '../../domain/sids.ts';
import type { Day } from '../../domain/utc-day.ts';
import { scanParticipantMessages } from '../../use-cases/find-participant.ts';
import { runArchiveCommand } from '../archive-command.ts';
import { type CommandIo, defineCommand, runCommand } from '../command.ts';
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
} as const;

export interface FindArgs {
  participant: string;
  range: { since?: Day; until?: Day; date?: Day; days?: number };
  account?: string;
  json: boolean;
  local: boolean;
}

const parse = (argv: readonly string[]): FindArgs | undefined => {
  const values = parseFlags(argv, OPTIONS);
  if (values.help) return undefined;
  const participant = parseParticipant(values.participant);
  if (participant === undefined) throw new UsageError('--participant ADDRESS is required');
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
  };
};

const runFind = (args: FindArgs, io: CommandIo): Promise<number> =>
  runArchiveCommand('find', HELP.find, io, args, async (args, { context }) => {
    const lookup = await participantLookup(args.participant, args.local, io.env ?? process.env);
    const days = resolveDays(args.range, context.today, 30);
    const scan = await scanParticipantMessages(context.reader, days, lookup, (day, index) =>
      context.progress.update(`scanning records of ${day} (${index + 1}/${days.length} days)`),
    );
    context.progress.done();
    if (args.json) {
      await writeLine(
        io.stdout,
        JSON.stringify(
          {
            days: { since: days[0], until: days.at(-1) },
            method: 'scan',
            recordsRead: scan.recordsRead,
            withoutRecord: scan.withoutRecord,
            messages: scan.messages,
          },
          null,
          2,
        ),
      );
      return 0;
    }
    for (const message of scan.messages) {
      const as = message.as.map((p) => `${p.role}:${p.channel}`).join(',');
      await writeLine(
        io.stdout,
        `${message.messageSid}\t${message.receivedAt}\t${message.direction}\t${as}\t${message.recordKey}`,
      );
      for (const key of message.mediaKeys) await writeLine(io.stdout, `  ${key}`);
    }
    io.stderr.write(
      `${countOf(scan.messages.length, 'message')} in ${countOf(days.length, 'day')} (${countOf(scan.recordsRead, 'record')} read${scan.withoutRecord > 0 ? `, ${countOf(scan.withoutRecord, 'message')} without a readable record could not be matched` : ''})\n`,
    );
    return 0;
  });

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
