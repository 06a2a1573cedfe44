import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAthenaRecordQuery } from '../../../lib/adapters/aws/athena-record-query.ts';
import { lookupIdsFor, participantKeyOf } from '../../../lib/domain/participant.ts';
import { PARTICIPANT_QUERY_COLUMNS } from '../../../lib/domain/participant-query.ts';
import { queryParticipantMessages } from '../../../lib/use-cases/find-participant.ts';
import { type MotoServer, startMoto } from '../../helpers/moto.ts';
import { participantRow } from '../../helpers/participant-rows.ts';

const REGION = 'us-east-1';
const WORK_GROUP = 'twilio-media-archiver-test';
const ACCOUNT = `AC${'a'.repeat(32)}`;
const MESSAGE = `MM${'c'.repeat(32)}`;
const MEDIA_KEY = `media/${ACCOUNT}/2026/04/01/${MESSAGE}/ME${'d'.repeat(32)}.jpg`;
const KEY = participantKeyOf('k'.repeat(40));

/**
 * moto runs no SQL: it answers GetQueryResults with rows seeded through its
 * `/moto-api/static/athena/query-results` endpoint, as Athena would shape them (header row first),
 * and reports 0 bytes scanned. What this shows: the adapter drives a real Athena API (start in the
 * workgroup, poll until SUCCEEDED, read the results) and the use case reads Athena's row shape.
 * What it cannot show: partition projection, the SerDe, the SQL's meaning, the bytes-scanned limit.
 */
describe('find --participant through Athena, on moto', () => {
  let moto: MotoServer;
  let client: AthenaClient;

  const seed = async (rows: string[][]) => {
    const columns = [...PARTICIPANT_QUERY_COLUMNS];
    const response = await fetch(`${moto.endpoint}/moto-api/static/athena/query-results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        region: REGION,
        results: [
          {
            rows: [columns, ...rows].map((row) => ({
              Data: row.map((value) => ({ VarCharValue: value })),
            })),
            column_info: columns.map((name) => ({ Name: name, Label: name, Type: 'varchar' })),
          },
        ],
      }),
    });
    expect(response.status).toBe(201);
  };

  beforeAll(async () => {
    moto = await startMoto();
    client = new AthenaClient({
      endpoint: moto.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'moto', secretAccessKey: 'moto' },
    });
    await client.send(
      new CreateWorkGroupCommand({
        Name: WORK_GROUP,
        Configuration: {
          EnforceWorkGroupConfiguration: true,
          BytesScannedCutoffPerQuery: 10_000_000_000,
          ResultConfiguration: { OutputLocation: 's3://athena-results/results/' },
        },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  it('runs the participant query in the workgroup and returns its messages with their media keys', async () => {
    // Prepare
    await seed([
      participantRow({
        accountSid: ACCOUNT,
        messageSid: MESSAGE,
        receivedAt: '2026-04-01T10:00:00.000Z',
        matched: ['from:sms'],
        mediaKeys: [MEDIA_KEY],
        bucket: 'archive-bucket',
      }),
    ]);
    const query = createAthenaRecordQuery({ client, workGroup: WORK_GROUP, firstPollMillis: 10 });

    // Act
    const found = await queryParticipantMessages(
      query,
      { database: 'twilio_media_archiver_test', table: 'message_records' },
      {
        lookup: lookupIdsFor([KEY], '+15550100001'),
        since: '2026-04-01',
        until: '2026-04-30',
        accounts: [ACCOUNT],
      },
    );

    // Assess
    expect(found.messages).toEqual([
      {
        accountSid: ACCOUNT,
        messageSid: MESSAGE,
        day: '2026-04-01',
        receivedAt: '2026-04-01T10:00:00.000Z',
        direction: 'inbound',
        as: [{ role: 'from', channel: 'sms' }],
        recordKey: `media/_records/${ACCOUNT}/2026/04/01/${MESSAGE}.json`,
        mediaKeys: [MEDIA_KEY],
      },
    ]);
    const { QueryExecutionIds: ids = [] } = await client.send(
      new ListQueryExecutionsCommand({ WorkGroup: WORK_GROUP }),
    );
    expect(ids).toHaveLength(1);
    const { QueryExecution: ran } = await client.send(
      new GetQueryExecutionCommand({ QueryExecutionId: ids[0] }),
    );
    expect(ran?.Query).toContain('FROM "twilio_media_archiver_test"."message_records"');
    expect(ran?.Query).toContain(`WHERE account IN ('${ACCOUNT}')`);
    expect(ran?.WorkGroup).toBe(WORK_GROUP);
  });
});
