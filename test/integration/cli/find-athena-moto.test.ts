import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  ListQueryExecutionsCommand,
} from '@aws-sdk/client-athena';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeyFor } from '../../../lib/domain/archive-key.ts';
import { participantKeyOf, pseudonymOf } from '../../../lib/domain/participant.ts';
import { PARTICIPANT_QUERY_COLUMNS } from '../../../lib/domain/participant-query.ts';
import { type ArchivedMediaSeed, putArchivedMedia } from '../../helpers/archived-objects.ts';
import { makeMediaBody } from '../../helpers/media-fixtures.ts';
import { type MotoServer, startMoto } from '../../helpers/moto.ts';
import { participantRow } from '../../helpers/participant-rows.ts';
import { runMediaArchive } from '../../helpers/run-cli.ts';

const BUCKET = 'athena-archive';
const WORK_GROUP = 'twilio-media-archiver-test';
const DATABASE = 'twilio_media_archiver_test';
const ACCOUNT = `AC${'a'.repeat(32)}`;
const KEY_SECRET = 'current-key-'.padEnd(48, 'c');
const ALICE = '+15550100001';
const SEED: ArchivedMediaSeed = {
  accountSid: ACCOUNT,
  messageSid: `MM${'1'.repeat(32)}`,
  mediaSid: `ME${'1'.repeat(32)}`,
  index: 0,
  contentType: 'image/jpeg',
  receivedAt: '2026-11-30T10:00:00.000Z',
  body: makeMediaBody(64, 1),
};

/**
 * `find --participant --athena` end to end on moto_server: the accounts come from the bucket's
 * listing, the query runs in the workgroup the environment names, the rows Athena would answer
 * (seeded: moto runs no SQL and scans nothing) print in the scan's shape, and the cost goes to
 * stderr.
 */
describe('find --participant --athena (moto_server)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let athena: AthenaClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    moto = await startMoto();
    const settings = {
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    };
    s3 = new S3Client({ ...settings, forcePathStyle: true });
    athena = new AthenaClient(settings);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await putArchivedMedia(s3, BUCKET, 'media/', [SEED]);
    await athena.send(
      new CreateWorkGroupCommand({
        Name: WORK_GROUP,
        Configuration: {
          EnforceWorkGroupConfiguration: true,
          ResultConfiguration: { OutputLocation: `s3://${BUCKET}-results/` },
        },
      }),
    );
    env = {
      ARCHIVE_BUCKET: BUCKET,
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      AWS_ENDPOINT_URL_ATHENA: moto.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      ARCHIVE_PARTICIPANT_KEY: KEY_SECRET,
      ARCHIVE_ATHENA_WORKGROUP: WORK_GROUP,
      ARCHIVE_ATHENA_DATABASE: DATABASE,
    };
  }, 60_000);

  afterAll(async () => {
    s3?.destroy();
    athena?.destroy();
    await moto?.stop();
  });

  it('queries the archive’s accounts in the window and prints the messages and the cost', async () => {
    // Prepare
    const columns = [...PARTICIPANT_QUERY_COLUMNS];
    const mediaKey = archiveKeyFor('media/', SEED);
    const seeded = await fetch(`${moto.endpoint}/moto-api/static/athena/query-results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        results: [
          {
            rows: [
              columns,
              participantRow({
                accountSid: ACCOUNT,
                messageSid: SEED.messageSid,
                receivedAt: SEED.receivedAt,
                mediaKeys: [mediaKey],
                bucket: BUCKET,
              }),
            ].map((row) => ({ Data: row.map((value) => ({ VarCharValue: value })) })),
            column_info: columns.map((name) => ({ Name: name, Type: 'varchar' })),
          },
        ],
      }),
    });
    expect(seeded.status).toBe(201);

    // Act
    const found = await runMediaArchive(
      [
        'find',
        '--participant',
        ALICE,
        '--since',
        '2026-11-15',
        '--until',
        '2026-12-05',
        '--athena',
        '--json',
      ],
      env,
    );

    // Assess
    expect(found.stderr).toContain(
      '1 message in 21 days of 1 account; scanned 0 B, ≈ $0.000048 at $5/TB',
    );
    expect(found.code).toBe(0);
    const output = JSON.parse(found.stdout);
    expect(output).toMatchObject({ method: 'athena', accounts: [ACCOUNT], dataScannedBytes: 0 });
    expect(output.messages).toEqual([
      expect.objectContaining({
        messageSid: SEED.messageSid,
        day: '2026-11-30',
        recordKey: `media/_records/${ACCOUNT}/2026/11/30/${SEED.messageSid}.json`,
        mediaKeys: [mediaKey],
      }),
    ]);
    const { QueryExecutionIds: ids = [] } = await athena.send(
      new ListQueryExecutionsCommand({ WorkGroup: WORK_GROUP }),
    );
    const { QueryExecution: ran } = await athena.send(
      new GetQueryExecutionCommand({ QueryExecutionId: ids.at(-1) }),
    );
    const pseudonym = pseudonymOf(participantKeyOf(KEY_SECRET), ALICE);
    expect(ran?.Query).toContain(`WHERE account IN ('${ACCOUNT}')`);
    expect(ran?.Query).toContain(`p.id = '${pseudonym}'`);
    expect(ran?.Query).toContain(`("year" = '2026' AND "month" = '11' AND "day" >= '15')`);
    expect(ran?.Query).not.toContain(ALICE);
  });

  it('says which variables --athena needs when the workgroup is not named', async () => {
    // Act
    const found = await runMediaArchive(['find', '--participant', ALICE, '--athena'], {
      ...env,
      ARCHIVE_ATHENA_WORKGROUP: '',
    });

    // Assess
    expect(found.code).not.toBe(0);
    expect(found.stderr).toContain('ARCHIVE_ATHENA_WORKGROUP and ARCHIVE_ATHENA_DATABASE');
  });
});
