import { describe, expect, it } from 'vitest';
import { lookupIdsFor, participantKeyOf, pseudonymOf } from '../../../lib/domain/participant.ts';
import { PARTICIPANT_QUERY_COLUMNS } from '../../../lib/domain/participant-query.ts';
import { RecordQueryError } from '../../../lib/ports/record-query.ts';
import { queryParticipantMessages } from '../../../lib/use-cases/find-participant.ts';
import { FakeRecordQuery } from '../../helpers/fake-ports.ts';
import { participantRow } from '../../helpers/participant-rows.ts';

const KEY = participantKeyOf('k'.repeat(40));
const OLD_KEY = participantKeyOf('o'.repeat(40));
const ADDRESS = '+15550100001';
const ACCOUNT = `AC${'a'.repeat(32)}`;
const OTHER_ACCOUNT = `AC${'b'.repeat(32)}`;
const MESSAGE = `MM${'1'.repeat(32)}`;
const TABLE = { database: 'twilio_media_archiver_prod', table: 'message_records' };
const WINDOW = { since: '2026-03-30', until: '2026-04-02' } as const;
const columns = [...PARTICIPANT_QUERY_COLUMNS];

describe('queryParticipantMessages', () => {
  it('asks for the pseudonyms under every key, in the accounts and days named, and reads the rows', async () => {
    // Prepare
    const mediaKey = `media/${ACCOUNT}/2026/03/31/${MESSAGE}/ME${'2'.repeat(32)}.jpg`;
    const query = new FakeRecordQuery({
      columns,
      rows: [
        participantRow({
          accountSid: ACCOUNT,
          messageSid: MESSAGE,
          receivedAt: '2026-03-31T23:59:59.000Z',
          matched: ['to:whatsapp'],
          mediaKeys: [mediaKey],
          bucket: 'archive-bucket',
        }),
      ],
      dataScannedBytes: 4_321,
    });

    // Act
    const found = await queryParticipantMessages(query, TABLE, {
      lookup: lookupIdsFor([KEY, OLD_KEY], ADDRESS),
      ...WINDOW,
      accounts: [OTHER_ACCOUNT, ACCOUNT, OTHER_ACCOUNT],
    });

    // Assess
    const sql = query.queries[0] ?? '';
    expect(query.queries).toHaveLength(1);
    expect(sql).toContain(`WHERE account IN ('${ACCOUNT}', '${OTHER_ACCOUNT}')`);
    expect(sql).toContain(`(p.keyid = '${KEY.id}' AND p.id = '${pseudonymOf(KEY, ADDRESS)}')`);
    expect(sql).toContain(
      `(p.keyid = '${OLD_KEY.id}' AND p.id = '${pseudonymOf(OLD_KEY, ADDRESS)}')`,
    );
    expect(sql).toContain(`("year" = '2026' AND "month" = '04' AND "day" <= '02')`);
    expect(sql).not.toContain(ADDRESS);
    expect(found).toEqual({
      accounts: [ACCOUNT, OTHER_ACCOUNT],
      dataScannedBytes: 4_321,
      messages: [
        {
          accountSid: ACCOUNT,
          messageSid: MESSAGE,
          day: '2026-03-31',
          receivedAt: '2026-03-31T23:59:59.000Z',
          direction: 'inbound',
          as: [{ role: 'to', channel: 'whatsapp' }],
          recordKey: `media/_records/${ACCOUNT}/2026/03/31/${MESSAGE}.json`,
          mediaKeys: [mediaKey],
        },
      ],
    });
  });

  it('runs no query (and bills nothing) when the archive holds no account', async () => {
    // Prepare
    const query = new FakeRecordQuery({ columns, rows: [], dataScannedBytes: 0 });

    // Act
    const found = await queryParticipantMessages(query, TABLE, {
      lookup: lookupIdsFor([KEY], ADDRESS),
      ...WINDOW,
      accounts: [],
    });

    // Assess
    expect(query.queries).toEqual([]);
    expect(found.messages).toEqual([]);
  });

  it.each([
    ['a column missing', { columns: columns.slice(1), rows: [] }],
    [
      'media keys that are not a JSON list',
      {
        columns,
        rows: [
          participantRow({
            accountSid: ACCOUNT,
            messageSid: MESSAGE,
            receivedAt: WINDOW.since,
          }).map((value, index) => (columns[index] === 'mediakeys' ? 'media/x.jpg' : value)),
        ],
      },
    ],
    [
      'a participant that is not role:channel',
      {
        columns,
        rows: [
          participantRow({
            accountSid: ACCOUNT,
            messageSid: MESSAGE,
            receivedAt: WINDOW.since,
            matched: ['+15550100001'],
          }),
        ],
      },
    ],
  ])('refuses an answer with %s', async (_, answer) => {
    // Prepare
    const query = new FakeRecordQuery({ ...answer, dataScannedBytes: 0 });

    // Act
    const found = queryParticipantMessages(query, TABLE, {
      lookup: lookupIdsFor([KEY], ADDRESS),
      ...WINDOW,
      accounts: [ACCOUNT],
    });

    // Assess
    await expect(found).rejects.toThrow(RecordQueryError);
  });
});
