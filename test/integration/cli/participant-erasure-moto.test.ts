import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeyFor } from '../../../lib/domain/archive-key.ts';
import { participantKeyOf, participantsOf } from '../../../lib/domain/participant.ts';
import {
  type ArchivedMediaSeed,
  putArchivedMedia,
  putMessageRecord,
} from '../../helpers/archived-objects.ts';
import { makeMediaBody } from '../../helpers/media-fixtures.ts';
import { type MotoServer, startMoto } from '../../helpers/moto.ts';
import { runMediaArchive } from '../../helpers/run-cli.ts';

const BUCKET = 'participant-archive';
const PREFIX = 'media/';
const ACCOUNT = `AC${'a'.repeat(32)}`;
const KEY_SECRET = 'current-key-'.padEnd(48, 'c');
const OLD_SECRET = 'previous-key-'.padEnd(48, 'p');
const ALICE = '+15550100001';
const BOB = '+15550100002';
const ARCHIVE_NUMBER = '+15550109999';
const sid = (kind: string, n: number) => `${kind}${String(n).padStart(32, '0')}`;

interface Message {
  n: number;
  day: string;
  from: string;
  to: string;
  secret?: string;
  /** Where its record is: beside its media with an `_index/` marker (versions before `_records/`). */
  legacy?: boolean;
}

/**
 * Alice in 1, 2 (as recipient, an old key), 4 (locked media), 5 (outside the window); Bob in 3.
 * 1 and 4 in the legacy layout, the others with their record as their only index.
 */
const MESSAGES: Message[] = [
  {
    n: 1,
    day: '2026-12-01',
    from: `whatsapp:${ALICE}`,
    to: `whatsapp:${ARCHIVE_NUMBER}`,
    legacy: true,
  },
  { n: 2, day: '2026-12-02', from: ARCHIVE_NUMBER, to: '+1 (555) 010-0001', secret: OLD_SECRET },
  { n: 3, day: '2026-12-02', from: BOB, to: ARCHIVE_NUMBER },
  { n: 4, day: '2026-12-03', from: ALICE, to: ARCHIVE_NUMBER, legacy: true },
  { n: 5, day: '2026-12-09', from: ALICE, to: ARCHIVE_NUMBER },
];

const seedOf = (message: Message): ArchivedMediaSeed => ({
  accountSid: ACCOUNT,
  messageSid: sid('MM', message.n),
  mediaSid: sid('ME', message.n),
  index: 0,
  contentType: 'image/jpeg',
  receivedAt: `${message.day}T10:00:00.000Z`,
  body: makeMediaBody(64, message.n),
});

/**
 * find and erase by participant against moto_server, which implements versioning, Object Lock
 * (retention and legal hold per version) and STS GetCallerIdentity.
 */
describe('find and erase by participant (moto_server)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let env: Record<string, string>;
  const run = (args: string[]) => runMediaArchive(args, env);
  const versionsUnder = async (prefix: string) => {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: prefix }));
    return [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
  };
  const dirOf = (n: number) => {
    const key = archiveKeyFor(PREFIX, seedOf(MESSAGES[n - 1] as Message));
    return key.slice(0, key.lastIndexOf('/') + 1);
  };
  const recordOf = (n: number) =>
    `${PREFIX}_records/${ACCOUNT}/${(MESSAGES[n - 1] as Message).day.replaceAll('-', '/')}/${sid('MM', n)}.json`;

  beforeAll(async () => {
    // Prepare
    moto = await startMoto();
    s3 = new S3Client({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    // Object Lock turns versioning on.
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
    for (const message of MESSAGES) {
      const seed = seedOf(message);
      // Message 1's media is written twice: its older version must go too.
      for (let copy = 0; copy < (message.n === 1 ? 2 : 1); copy += 1) {
        await putArchivedMedia(s3, BUCKET, PREFIX, [seed], { marker: message.legacy === true });
      }
      const key = participantKeyOf(message.secret ?? KEY_SECRET);
      await putMessageRecord(
        s3,
        BUCKET,
        PREFIX,
        [seed],
        undefined,
        { participants: participantsOf(key, { from: message.from, to: message.to }) },
        message.legacy ? 'legacy' : 'records',
      );
    }
    const locked = archiveKeyFor(PREFIX, seedOf(MESSAGES[3] as Message));
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: BUCKET,
        Key: locked,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 86_400_000) },
      }),
    );
    await s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: BUCKET,
        Key: `${dirOf(4)}message.json`,
        LegalHold: { Status: 'ON' },
      }),
    );
    env = {
      ARCHIVE_BUCKET: BUCKET,
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      ARCHIVE_PARTICIPANT_KEY: KEY_SECRET,
      ARCHIVE_PARTICIPANT_KEYS_PREVIOUS: OLD_SECRET,
    };
  }, 60_000);

  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });

  it('find returns exactly the messages of that participant in the window, under old and new keys', async () => {
    // Act
    const found = await run([
      'find',
      '--participant',
      '+1 555 010 0001',
      '--since',
      '2026-12-01',
      '--until',
      '2026-12-05',
      '--json',
    ]);

    // Assess
    expect(found.stderr).toBe('');
    expect(found.code).toBe(0);
    const result = JSON.parse(found.stdout);
    expect(result.messages.map((m: { messageSid: string }) => m.messageSid)).toEqual([
      sid('MM', 1),
      sid('MM', 2),
      sid('MM', 4),
    ]);
    expect(result.messages[0]).toMatchObject({
      as: [{ role: 'from', channel: 'whatsapp' }],
      recordKey: `${dirOf(1)}message.json`,
      mediaKeys: [archiveKeyFor(PREFIX, seedOf(MESSAGES[0] as Message))],
    });
    expect(result.messages[1]).toMatchObject({
      as: [{ role: 'to', channel: 'sms' }],
      recordKey: recordOf(2),
    });
    expect(found.stdout).not.toContain('5550100001');
  });

  it("export --participant zips only that participant's messages", async () => {
    // Prepare
    const workDir = await mkdtemp(join(tmpdir(), 'participant-export-'));

    // Act
    const exported = await runMediaArchive(
      [
        'export',
        '--participant',
        ALICE,
        '--since',
        '2026-12-01',
        '--until',
        '2026-12-05',
        '-o',
        'alice.zip',
        '--json',
      ],
      env,
      workDir,
    );

    // Assess
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ messages: 3 });
    const listing = execFileSync('unzip', ['-Z1', join(workDir, 'alice.zip')], {
      encoding: 'utf8',
    });
    expect(listing).toContain(sid('MM', 1));
    expect(listing).not.toContain(sid('MM', 3));
    await rm(workDir, { recursive: true, force: true });
  });

  it('find without the key says which variable it needs', async () => {
    // Act
    const found = await runMediaArchive(['find', '--participant', ALICE, '--date', '2026-12-01'], {
      ...env,
      ARCHIVE_PARTICIPANT_KEY: '',
      ARCHIVE_PARTICIPANT_KEYS_PREVIOUS: '',
    });

    // Assess
    expect(found.code).toBe(64);
    expect(found.stderr).toContain('ARCHIVE_PARTICIPANT_KEY');
  });

  it('erase --dry-run lists what would go and deletes nothing', async () => {
    // Act
    const dry = await run([
      'erase',
      '--participant',
      ALICE,
      '--since',
      '2026-12-01',
      '--until',
      '2026-12-05',
      '--dry-run',
      '--json',
    ]);

    // Assess
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.dryRun).toBe(true);
    expect(plan.receiptKey).toBeUndefined();
    expect(plan.counts.versionsDeleted).toBeGreaterThan(0);
    expect(await versionsUnder(dirOf(1))).toHaveLength(3);
    expect(await versionsUnder('_erasures/')).toHaveLength(0);
  });

  it('erase removes every version of that participant, keeps the locked ones and says why, and leaves a receipt', async () => {
    // Act
    const erased = await run([
      'erase',
      '--participant',
      ALICE,
      '--since',
      '2026-12-01',
      '--until',
      '2026-12-05',
      '--yes',
      '--json',
    ]);

    // Assess
    expect(erased.stderr).toBe('');
    expect(erased.code).toBe(0);
    const result = JSON.parse(erased.stdout);
    expect(await versionsUnder(dirOf(1))).toEqual([]);
    expect(await versionsUnder(dirOf(2))).toEqual([]);
    expect(await versionsUnder(recordOf(2))).toEqual([]);
    expect(await versionsUnder(`${PREFIX}_index/${sid('MM', 1)}/`)).toEqual([]);
    // Message 4: both its objects are locked, one by retention, one by a legal hold.
    expect(result.retained.map((r: { key: string; reason: string }) => [r.key, r.reason])).toEqual(
      expect.arrayContaining([
        [
          archiveKeyFor(PREFIX, seedOf(MESSAGES[3] as Message)),
          expect.stringMatching(/^COMPLIANCE retention until /),
        ],
        [`${dirOf(4)}message.json`, 'legal hold'],
      ]),
    );
    expect(await versionsUnder(dirOf(4))).toHaveLength(2);
    // Everyone else's, and Alice's outside the window, intact.
    expect(await versionsUnder(dirOf(3))).toHaveLength(1);
    expect(await versionsUnder(recordOf(3))).toHaveLength(1);
    expect(await versionsUnder(dirOf(5))).toHaveLength(1);
    expect(await versionsUnder(recordOf(5))).toHaveLength(1);
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: '_erasures/' }),
    );
    expect(listed.Contents?.map((c) => c.Key)).toEqual([result.receiptKey]);
    const receiptText = await (
      await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: result.receiptKey }))
    ).Body?.transformToString();
    const receipt = JSON.parse(receiptText ?? '');
    expect(receipt).toMatchObject({
      schema: 'twilio-media-archiver/erasure-receipt',
      request: { kind: 'participant', since: '2026-12-01', until: '2026-12-05' },
      // 1 (legacy): media ×2, record, index ×2 (written twice); 2: media, record (no index
      // entry: its record is one); 4 (legacy): index only.
      counts: { messages: 3, versionsDeleted: 5 + 2 + 1, versionsRetained: 2 },
      by: { arn: expect.stringContaining('arn:aws') },
    });
    expect(receiptText).not.toMatch(/5550100001|0100001/);
  });

  it('erase MM… removes one message, found by its record alone, and refuses without --yes and on the local S3', async () => {
    // Act
    const refused = await run(['erase', sid('MM', 3)]);
    const local = await run(['erase', sid('MM', 3), '--yes', '--local']);
    const erased = await run(['erase', sid('MM', 3), '--yes']);

    // Assess
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('--yes');
    expect(local.code).toBe(64);
    expect(local.stderr).toContain('no object versions');
    expect(erased.code).toBe(0);
    expect(await versionsUnder(dirOf(3))).toEqual([]);
    expect(await versionsUnder(recordOf(3))).toEqual([]);
    expect(await versionsUnder(dirOf(5))).toHaveLength(1);
    expect(await versionsUnder(recordOf(5))).toHaveLength(1);
  });

  it('erase MM… of a legacy message removes its media, its record beside them and its index entry', async () => {
    // Prepare: a legacy message of its own, so the tests above keep theirs.
    const legacy: Message = {
      n: 6,
      day: '2026-12-04',
      from: BOB,
      to: ARCHIVE_NUMBER,
      legacy: true,
    };
    const seed = seedOf(legacy);
    await putArchivedMedia(s3, BUCKET, PREFIX, [seed]);
    await putMessageRecord(s3, BUCKET, PREFIX, [seed], undefined, {}, 'legacy');
    const directory = archiveKeyFor(PREFIX, seed).replace(/[^/]+$/, '');

    // Act
    const erased = await run(['erase', sid('MM', 6), '--yes', '--json']);

    // Assess
    expect(erased.code, erased.stderr).toBe(0);
    expect(JSON.parse(erased.stdout).counts).toMatchObject({ messages: 1, versionsDeleted: 3 });
    expect(await versionsUnder(directory)).toEqual([]);
    expect(await versionsUnder(`${PREFIX}_index/${sid('MM', 6)}/`)).toEqual([]);
  });
});
