import { recordKeyFor } from '../domain/message-record.ts';
import { involves, type Participant } from '../domain/participant.ts';
import { buildParticipantQuery, PARTICIPANT_QUERY_COLUMNS } from '../domain/participant-query.ts';
import type { Day } from '../domain/utc-day.ts';
import type { ArchiveEntry, ArchiveReader } from '../ports/archive-reader.ts';
import { type RecordQuery, RecordQueryError } from '../ports/record-query.ts';

/** One message a participant took part in, with every key the archive holds for it. */
export interface ParticipantMessage {
  accountSid: string;
  messageSid: string;
  day: Day;
  receivedAt: string;
  direction: string;
  /** Which side the participant was on (`from`, `to`, or both), and over which channel. */
  as: Pick<Participant, 'role' | 'channel'>[];
  recordKey: string;
  mediaKeys: string[];
}

export interface FindParticipantScan {
  messages: ParticipantMessage[];
  /** Messages whose record was absent or unreadable: they cannot be matched, and are counted. */
  withoutRecord: number;
  recordsRead: number;
}

/**
 * A scan of the message records of every day in the window (one listing per account and day, one
 * GET per message, two for a message of the legacy layout): for local and small archives; Athena
 * answers the same question at any size.
 * `lookup` holds the address's pseudonyms under every key (`lookupIdsFor`); no number is read.
 */
export const scanParticipantMessages = async (
  reader: Pick<ArchiveReader, 'accounts' | 'listDay' | 'messageRecordOf'>,
  days: readonly Day[],
  lookup: ReadonlySet<string>,
  onDay: (day: Day, index: number) => void = () => undefined,
): Promise<FindParticipantScan> => {
  const scan: FindParticipantScan = { messages: [], withoutRecord: 0, recordsRead: 0 };
  const accounts = await reader.accounts();
  for (const [index, day] of days.entries()) {
    onDay(day, index);
    for (const accountSid of accounts) {
      const byRecord = new Map<string, ArchiveEntry[]>();
      for await (const entry of reader.listDay(accountSid, day)) {
        const key = recordKeyFor(entry.key);
        byRecord.set(key, [...(byRecord.get(key) ?? []), entry]);
      }
      for (const entries of byRecord.values()) {
        const first = entries[0] as ArchiveEntry;
        const found = await reader.messageRecordOf(first.key);
        if (found.state !== 'found') {
          scan.withoutRecord += 1;
          continue;
        }
        scan.recordsRead += 1;
        const { record } = found;
        if (!involves(record.participants, lookup)) continue;
        scan.messages.push({
          accountSid,
          messageSid: record.messageSid,
          day,
          receivedAt: record.receivedAt,
          direction: record.direction,
          as: (record.participants ?? [])
            .filter((p) => lookup.has(`${p.keyId}:${p.id}`))
            .map(({ role, channel }) => ({ role, channel })),
          recordKey: found.key,
          mediaKeys: entries.map((entry) => entry.key).sort(),
        });
      }
    }
  }
  return scan;
};

/** The Glue table over the records (the stack's AthenaDatabase / AthenaTable outputs). */
export interface RecordTable {
  database: string;
  table: string;
}

export interface FindParticipantQuery {
  messages: ParticipantMessage[];
  /** What Athena billed the query for (before its 10 MB minimum). */
  dataScannedBytes: number;
  /** The accounts the query named (the injected partition): the archive's, or `--account`. */
  accounts: string[];
}

const MATCHED = /^(from|to):([a-z][a-z0-9-]{0,19})$/;

const jsonStrings = (text: string | undefined, what: string): string[] => {
  let value: unknown;
  try {
    value = JSON.parse(text ?? 'null');
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new RecordQueryError(`Athena answered a row without ${what}`, 'BAD_ROW');
  }
  return value;
};

const messageOf = (row: readonly (string | undefined)[], at: (name: string) => number) => {
  const cell = (name: string): string => {
    const value = row[at(name)];
    if (value === undefined) throw new RecordQueryError(`Athena answered no ${name}`, 'BAD_ROW');
    return value;
  };
  const path = /^s3:\/\/[^/]+\/(.+)$/.exec(cell('recordpath'));
  if (!path) throw new RecordQueryError('Athena answered a record path outside S3', 'BAD_ROW');
  const as = jsonStrings(row[at('matched')], 'the matched participants').map((entry) => {
    const match = MATCHED.exec(entry);
    if (!match) throw new RecordQueryError('Athena answered a bad participant', 'BAD_ROW');
    return { role: match[1] as Participant['role'], channel: match[2] as string };
  });
  return {
    accountSid: cell('accountsid'),
    messageSid: cell('messagesid'),
    day: `${cell('year')}-${cell('month')}-${cell('day')}` as Day,
    receivedAt: cell('receivedat'),
    direction: cell('direction'),
    as,
    recordKey: path[1] as string,
    mediaKeys: jsonStrings(row[at('mediakeys')], 'media keys').sort(),
  } satisfies ParticipantMessage;
};

/**
 * The same question as the scan, answered by one Athena query over the records' Glue table: it
 * reads only the named accounts' days of the window (partition projection) and is billed by the
 * bytes it scans, whatever the archive's size. The media keys are those the record vouches for.
 * No accounts (an empty archive) → no query, nothing billed.
 */
export const queryParticipantMessages = async (
  query: RecordQuery,
  table: RecordTable,
  request: {
    lookup: ReadonlySet<string>;
    since: Day;
    until: Day;
    accounts: readonly string[];
  },
): Promise<FindParticipantQuery> => {
  const accounts = [...new Set(request.accounts)].sort();
  if (accounts.length === 0) return { messages: [], dataScannedBytes: 0, accounts };
  const lookups = [...request.lookup].map((entry) => {
    const [keyId = '', id = ''] = entry.split(':');
    return { keyId, id };
  });
  const sql = buildParticipantQuery({ ...table, lookups, ...request, accounts });
  const answer = await query.run(sql);
  const index = new Map(answer.columns.map((name, position) => [name.toLowerCase(), position]));
  const missing = PARTICIPANT_QUERY_COLUMNS.filter((name) => !index.has(name));
  if (missing.length > 0) {
    throw new RecordQueryError(`Athena answered without ${missing.join(', ')}`, 'BAD_ROW');
  }
  const at = (name: string) => index.get(name) as number;
  return {
    messages: answer.rows.map((row) => messageOf(row, at)),
    dataScannedBytes: answer.dataScannedBytes,
    accounts,
  };
};
