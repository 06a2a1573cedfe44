import { openRecordQuery } from '../../compose/cli.ts';
import { readAthenaConfig } from '../../config/cli.ts';
import { describeAthenaScan } from '../../domain/athena-cost.ts';
import { countOf } from '../../domain/count.ts';
import type { Day } from '../../domain/utc-day.ts';
import {
  type ParticipantMessage,
  queryParticipantMessages,
  scanParticipantMessages,
} from '../../use-cases/find-participant.ts';
import { type CommandContext, defineCommand, type RunContext } from '../command.ts';
import { parseDay, resolveDays } from '../days.ts';
import { UsageError } from '../errors.ts';
import { writeLine } from '../format.ts';
import { accountOption, HELP_OPTION, parseOptions, participantOption } from '../options.ts';

const OPTIONS = {
  ...HELP_OPTION,
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
  const { values } = parseOptions(argv, OPTIONS);
  if (values.help) return undefined;
  const participant = participantOption(values.participant);
  if (participant === undefined) throw new UsageError('--participant ADDRESS is required');
  if (values.athena && values.local) {
    throw new UsageError('--athena queries a deployment: the local stack has no Athena');
  }
  accountOption(values.account);
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
  io: RunContext,
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

const runFind = async (args: FindArgs, io: RunContext): Promise<number> => {
  const context = io.archive(args);
  const lookup = await io.participantLookup(args.participant, args.local);
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
};

const findWithAthena = async (
  args: FindArgs,
  io: RunContext,
  context: CommandContext,
  lookup: ReadonlySet<string>,
  days: readonly Day[],
): Promise<number> => {
  const athena = readAthenaConfig(io.env);
  const query = io.own(openRecordQuery(athena));
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
};

const HELP = `Usage: media-archive find --participant ADDRESS [--since D --until D] [options]

The messages a phone number (or whatsapp:… address) took part in, with their record and media
keys. Records hold no number: each carries the HMAC-SHA256 of its From/To under the deployment's
ARCHIVE_PARTICIPANT_KEY, so this command needs that key (and, after a rotation, the old ones in
ARCHIVE_PARTICIPANT_KEYS_PREVIOUS, comma-separated). It reads every record of the window (one
listing per account and day, one GET per message): meant for local and small archives. With
--athena, one Athena query over the deployment's records table answers instead, at any size
(deploy with --param="athena=true"; billed by the bytes it scans, printed on stderr).

  --participant ADDRESS  +15550100001, "+1 555 010 0001", whatsapp:+1555… (never printed)
  --since, --until       first and last UTC day (inclusive); --date D, --days N (default 30)
  --account AC…          only this account (default TWILIO_ACCOUNT_SID, else all)
  --json                 JSON on stdout
  --local                the local stack (its key is in \${LOCAL_DATA_DIR:-.local}/participant-key)
  --athena               query the records' Glue table in the stack's workgroup
                         (ARCHIVE_ATHENA_WORKGROUP, ARCHIVE_ATHENA_DATABASE; the stack's outputs)
  -h, --help             this help

Output: one line per message (SID, received, direction, from|to:channel, record key), its media
keys indented below. Messages archived without a record (older jobs) cannot be matched and are
counted on stderr.
`;

export const command = defineCommand<FindArgs>({
  name: 'find',
  kind: 'operation',
  summary: 'the messages and media of one participant (--participant +1555…), by keyed pseudonym',
  help: HELP,
  options: OPTIONS,
  parse,
  run: runFind,
});
