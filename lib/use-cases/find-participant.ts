import { recordKeyFor } from '../domain/message-record.ts';
import { involves, type Participant } from '../domain/participant.ts';
import type { Day } from '../domain/utc-day.ts';
import type { ArchiveEntry, ArchiveReader } from '../ports/archive-reader.ts';

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
