import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeyFor } from '../../../lib/domain/archive-key.ts';
import { startFauxqsServer } from '../../../lib/stand-ins/fauxqs-server.ts';
import type { LocalS3Server } from '../../../lib/stand-ins/s3-server.ts';
import {
  type ArchivedMediaSeed,
  localS3Client,
  putArchivedMedia,
  putMessageRecord,
} from '../../helpers/archived-objects.ts';
import { makeMediaBody, sha256Hex } from '../../helpers/media-fixtures.ts';

const BIN = fileURLToPath(new URL('../../../bin/media-archive.mjs', import.meta.url));
const BUCKET = 'twilio-media-archive';
const PREFIX = 'media/';
const ACCOUNT_A = `AC${'a'.repeat(32)}`;
const ACCOUNT_B = `AC${'b'.repeat(32)}`;
const sid = (kind: string, n: number) => `${kind}${String(n).padStart(32, '0')}`;
const MMS = sid('MM', 1);
const WHATSAPP = sid('MM', 2);
const OTHER_ACCOUNT_MMS = sid('MM', 3);
const TODAYS = sid('SM', 4);
const NOW = new Date().toISOString();

const seed = (
  overrides: Partial<ArchivedMediaSeed> & Pick<ArchivedMediaSeed, 'messageSid' | 'mediaSid'>,
  size: number,
  n: number,
): ArchivedMediaSeed => ({
  accountSid: ACCOUNT_A,
  index: 0,
  contentType: 'image/jpeg',
  receivedAt: '2025-03-14T10:15:30.000Z',
  body: makeMediaBody(size, n),
  ...overrides,
});

const SEEDS: ArchivedMediaSeed[] = [
  seed({ messageSid: MMS, mediaSid: sid('ME', 1), originalFilename: 'café photo.jpg' }, 3000, 1),
  seed({ messageSid: MMS, mediaSid: sid('ME', 2), index: 1, contentType: 'image/png' }, 2000, 2),
  seed({ messageSid: MMS, mediaSid: sid('ME', 3), index: 2, contentType: 'image/gif' }, 1000, 3),
  seed(
    {
      messageSid: WHATSAPP,
      mediaSid: sid('ME', 4),
      contentType: 'application/pdf',
      receivedAt: '2025-03-15T23:59:59.000Z',
      originalFilename: 'report.pdf',
    },
    5000,
    4,
  ),
  seed({ accountSid: ACCOUNT_B, messageSid: OTHER_ACCOUNT_MMS, mediaSid: sid('ME', 5) }, 700, 5),
  seed({ messageSid: TODAYS, mediaSid: sid('ME', 6), receivedAt: NOW }, 1234, 6),
];
const bodyOf = (mediaSid: string): Buffer => {
  const found = SEEDS.find((item) => item.mediaSid === mediaSid);
  if (!found) throw new Error(`no seed ${mediaSid}`);
  return found.body;
};
const keyFor = (item: ArchivedMediaSeed): string => archiveKeyFor(PREFIX, item);
const keyOf = (mediaSid: string): string => {
  const found = SEEDS.find((item) => item.mediaSid === mediaSid);
  if (!found) throw new Error(`no seed ${mediaSid}`);
  return archiveKeyFor(PREFIX, found);
};

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('media-archive CLI against fauxqs (S3)', () => {
  let server: LocalS3Server;
  let s3: S3Client;
  let dataDir: string;
  let workDir: string;

  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    new Promise((resolve) => {
      const childEnv: Record<string, string | undefined> = {
        ...process.env,
        LOCAL_S3_PORT: String(server.port),
        TWILIO_ACCOUNT_SID: undefined,
        ARCHIVE_BUCKET: undefined,
        ARCHIVE_PREFIX: undefined,
        AWS_PROFILE: undefined,
        ...env,
      };
      execFile(
        process.execPath,
        [BIN, ...args],
        { cwd: workDir, env: childEnv as NodeJS.ProcessEnv, encoding: 'utf8' },
        (error, stdout, stderr) => {
          const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cli-s3-'));
    workDir = await mkdtemp(join(tmpdir(), 'cli-work-'));
    server = await startFauxqsServer({ directory: dataDir, port: 0, buckets: [BUCKET] });
    s3 = localS3Client(server.endpoint);
    await putArchivedMedia(s3, BUCKET, PREFIX, SEEDS);
  });

  afterAll(async () => {
    s3?.destroy();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    server.resetRequestCounts();
  });

  describe('ls', () => {
    it('lists one day across all accounts, one line per media, without the index', async () => {
      // Prepare
      const expected = [sid('ME', 1), sid('ME', 2), sid('ME', 3), sid('ME', 5)].map(keyOf);

      // Act
      const result = await cli(['ls', '--local', '--date', '2025-03-14']);

      // Assess
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines.map((line) => line.split('\t')[0]).sort()).toEqual(expected.sort());
      expect(lines).toContain(`${keyOf(sid('ME', 2))}\t2000\timage/png\t2025-03-14`);
      expect(result.stdout).not.toContain('_index');
      expect(result.stderr).toBe('');
    });

    it('lists a range for one account as one JSON document', async () => {
      // Act
      const result = await cli([
        'ls',
        '--local',
        '--account',
        ACCOUNT_A,
        '--since',
        '2025-03-13',
        '--until',
        '2025-03-15',
        '--json',
      ]);

      // Assess
      expect(result.code).toBe(0);
      const document = JSON.parse(result.stdout);
      expect(document.count).toBe(4);
      expect(document.bytes).toBe(3000 + 2000 + 1000 + 5000);
      expect(document.media.map((media: { mediaSid: string }) => media.mediaSid)).toEqual([
        sid('ME', 1),
        sid('ME', 2),
        sid('ME', 3),
        sid('ME', 4),
      ]);
      expect(document.media[3]).toMatchObject({
        key: keyOf(sid('ME', 4)),
        accountSid: ACCOUNT_A,
        messageSid: WHATSAPP,
        day: '2025-03-15',
        size: 5000,
        contentType: 'application/pdf',
      });
    });

    it('finds an indexed message without its date in at most 2 listings and one HEAD (its record)', async () => {
      // Act
      const result = await cli(['ls', '--local', '--message', MMS]);

      // Assess
      expect(result.code).toBe(0);
      expect(result.stdout.trim().split('\n')).toHaveLength(3);
      const counts = await server.requestCounts();
      expect(counts.GET ?? 0).toBeLessThanOrEqual(2);
      expect(counts.HEAD ?? 0).toBe(1);
    });

    it('shows the stored received time and file name with --details', async () => {
      // Act
      const result = await cli(['ls', '--local', '--message', WHATSAPP, '--details', '--json']);

      // Assess
      expect(result.code).toBe(0);
      const [media] = JSON.parse(result.stdout).media;
      expect(media).toMatchObject({
        receivedAt: '2025-03-15T23:59:59.000Z',
        contentType: 'application/pdf',
        originalFilename: 'report.pdf',
      });
    });

    it('lists today by default', async () => {
      // Act
      const result = await cli(['ls', '--local', '--account', ACCOUNT_A]);

      // Assess
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(
        `${keyOf(sid('ME', 6))}\t1234\timage/jpeg\t${NOW.slice(0, 10)}`,
      );
    });
  });

  describe('get', () => {
    it('downloads under the original (non-ASCII) file name and refuses to overwrite', async () => {
      // Act
      const first = await cli(['get', sid('ME', 1), '--message', MMS, '--local']);
      const second = await cli(['get', sid('ME', 1), '--message', MMS, '--local']);
      const forced = await cli(['get', sid('ME', 1), '--message', MMS, '--local', '--force']);

      // Assess
      expect(first.code).toBe(0);
      expect(first.stdout.trim()).toBe(join(workDir, 'café photo.jpg'));
      expect(await readFile(join(workDir, 'café photo.jpg'))).toEqual(bodyOf(sid('ME', 1)));
      expect(second.code).toBe(1);
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
      expect(second.stderr).toContain('already exists');
      expect(forced.code).toBe(0);
    });

    it('finds a bare media SID received today and writes to -o', async () => {
      // Act
      const result = await cli(['get', sid('ME', 6), '--local', '-o', 'out.bin']);

      // Assess
      expect(result.code).toBe(0);
      expect(await readFile(join(workDir, 'out.bin'))).toEqual(bodyOf(sid('ME', 6)));
    });

    it('names the file after the key when no original name is known, with --date', async () => {
      // Act
      const result = await cli(['get', sid('ME', 2), '--date', '2025-03-14', '--local']);

      // Assess
      expect(result.code).toBe(0);
      expect(await readFile(join(workDir, `${sid('ME', 2)}.png`))).toEqual(bodyOf(sid('ME', 2)));
    });

    it('does not leave a file behind when the bytes differ from the recorded SHA-256', async () => {
      // Prepare: an object whose body no longer matches its metadata, on a day no other test reads
      const tampered = seed(
        { messageSid: sid('MM', 9), mediaSid: sid('ME', 9), receivedAt: '2025-02-01T00:00:00Z' },
        100,
        9,
      );
      await putArchivedMedia(s3, BUCKET, PREFIX, [tampered]);
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: archiveKeyFor(PREFIX, tampered),
          Body: makeMediaBody(100, 10),
          Metadata: { sha256: '0'.repeat(64), size: '100' },
        }),
      );

      // Act
      const result = await cli(['get', sid('ME', 9), '--message', sid('MM', 9), '--local']);

      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('SHA-256');
      await expect(readFile(join(workDir, `${sid('ME', 9)}.jpg`))).rejects.toThrow(/ENOENT/);
    });
  });

  describe('every read verifies and says against what', () => {
    /**
     * What a replacement looks like when it wants to pass: other bytes at the key, with metadata
     * of its own bytes and (with `sha256`) S3's checksum of them.
     */
    const replace = async (target: ArchivedMediaSeed, body: Buffer, sha256: boolean) => {
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: archiveKeyFor(PREFIX, target),
          Body: body,
          ContentType: target.contentType,
          Metadata: { sha256: sha256Hex(body), size: String(body.length) },
          ...(sha256 ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
        }),
      );
    };

    it('get refuses a media replaced with self-consistent bytes, by its record; --unverified saves it, marked', async () => {
      // Prepare: a message with its record, on a day no other test reads
      const original = seed(
        { messageSid: sid('MM', 20), mediaSid: sid('ME', 20), receivedAt: '2025-01-10T08:00:00Z' },
        900,
        20,
      );
      await putArchivedMedia(s3, BUCKET, PREFIX, [original]);
      await putMessageRecord(s3, BUCKET, PREFIX, [original]);
      const before = await cli(['get', sid('ME', 20), '--message', sid('MM', 20), '--local']);
      await rm(join(workDir, `${sid('ME', 20)}.jpg`));
      const other = makeMediaBody(900, 21);
      await replace(original, other, true);

      // Act
      const refused = await cli(['get', sid('ME', 20), '--message', sid('MM', 20), '--local']);
      const refusedFile = readFile(join(workDir, `${sid('ME', 20)}.jpg`));
      await refusedFile.catch(() => undefined);
      const piped = await cli([
        'get',
        sid('ME', 20),
        '--message',
        sid('MM', 20),
        '--local',
        '-o',
        '-',
      ]);
      const forced = await cli([
        'get',
        sid('ME', 20),
        '--message',
        sid('MM', 20),
        '--local',
        '--unverified',
        '-o',
        'forced.jpg',
      ]);

      // Assess
      expect(before.code).toBe(0);
      expect(before.stderr).toContain('verified against the message record');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('its SHA-256 differs from the message record');
      expect(refused.stderr).toContain('--unverified');
      await expect(refusedFile).rejects.toThrow(/ENOENT/);
      // On stdout the end is withheld: a pipe never receives the damaged media whole.
      expect(piped.code).toBe(1);
      expect(Buffer.byteLength(piped.stdout, 'latin1')).toBeLessThan(other.length);
      expect(forced.code).toBe(0);
      expect(forced.stderr).toContain('UNVERIFIED');
      expect(await readFile(join(workDir, 'forced.jpg'))).toEqual(other);
    });

    it("without a record: S3's checksum, else nothing, and export refuses nothing unless asked", async () => {
      // Prepare: two media of a message without a record; one replaced without an S3 SHA-256
      const day = '2025-01-11';
      const kept = seed(
        { messageSid: sid('MM', 22), mediaSid: sid('ME', 22), receivedAt: `${day}T08:00:00Z` },
        800,
        22,
      );
      const swapped = seed(
        {
          messageSid: sid('MM', 22),
          mediaSid: sid('ME', 23),
          index: 1,
          receivedAt: `${day}T08:00:00Z`,
        },
        700,
        23,
      );
      await putArchivedMedia(s3, BUCKET, PREFIX, [kept, swapped]);
      const other = makeMediaBody(700, 24);
      await replace(swapped, other, false);

      // Act
      const proven = await cli(['get', sid('ME', 22), '--date', day, '--local', '-o', 'k.jpg']);
      const unproven = await cli(['get', sid('ME', 23), '--date', day, '--local', '-o', 's.jpg']);
      const refused = await cli(['export', '--local', '--date', day, '-o', 'refused.zip']);
      const allowed = await cli([
        'export',
        '--local',
        '--date',
        day,
        '-o',
        'allowed.zip',
        '--allow-unverified',
      ]);
      const unzipped = join(workDir, 'allowed');
      execFileSync('unzip', ['-q', join(workDir, 'allowed.zip'), '-d', unzipped]);
      const sums = await readFile(join(unzipped, 'SHA256SUMS'), 'utf8');
      const unverifiedSums = await readFile(join(unzipped, 'SHA256SUMS.unverified'), 'utf8');
      const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], {
        cwd: unzipped,
        encoding: 'utf8',
      });
      const manifest = JSON.parse(await readFile(join(unzipped, 'manifest.json'), 'utf8'));

      // Assess
      expect(proven.code).toBe(0);
      expect(proven.stderr).toContain("verified against S3's own checksum");
      expect(unproven.code).toBe(0);
      expect(unproven.stderr).toContain('not verified: S3 holds no SHA-256 of its bytes');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('not verified');
      await expect(readFile(join(workDir, 'refused.zip'))).rejects.toThrow(/ENOENT/);
      expect(allowed.code).toBe(0);
      const against = Object.fromEntries(
        manifest.files.map((file: { mediaSid: string; verifiedAgainst: string }) => [
          file.mediaSid,
          file.verifiedAgainst,
        ]),
      );
      expect(against).toEqual({ [sid('ME', 22)]: 's3-checksum', [sid('ME', 23)]: 'none' });
      expect(sums).toContain(sha256Hex(kept.body));
      expect(sums).not.toContain(sha256Hex(other));
      expect(unverifiedSums).toContain(sha256Hex(other));
      expect(check.trim().split('\n')).toHaveLength(2);
      expect(allowed.stdout).toMatch(/: 1 message, 2 files \(/);
      expect(allowed.stdout).toContain('SHA256SUMS.unverified (1 file nothing but metadata');
    });

    it('export names the media and the record it disagrees with', async () => {
      // Prepare: a record whose size and SHA-256 for the media are another body's
      const day = '2025-01-13';
      const media = seed(
        { messageSid: sid('MM', 27), mediaSid: sid('ME', 27), receivedAt: `${day}T08:00:00Z` },
        600,
        27,
      );
      await putArchivedMedia(s3, BUCKET, PREFIX, [media]);
      const recordKey = await putMessageRecord(s3, BUCKET, PREFIX, [
        { ...media, body: makeMediaBody(3, 28) },
      ]);

      // Act
      const refused = await cli(['export', '--local', '--date', day, '-o', 'disagree.zip']);

      // Assess
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `${archiveKeyFor(PREFIX, media)}: 600 bytes, the message record says 3; its SHA-256 differs from the message record (message record ${recordKey})`,
      );
      await expect(readFile(join(workDir, 'disagree.zip'))).rejects.toThrow(/ENOENT/);
    });

    it('export refuses a message whose record is not JSON, and ships the record as proof otherwise', async () => {
      // Prepare
      const day = '2025-01-12';
      const broken = seed(
        { messageSid: sid('MM', 25), mediaSid: sid('ME', 25), receivedAt: `${day}T08:00:00Z` },
        600,
        25,
      );
      const whole = seed(
        { messageSid: sid('MM', 26), mediaSid: sid('ME', 26), receivedAt: `${day}T09:00:00Z` },
        500,
        26,
      );
      await putArchivedMedia(s3, BUCKET, PREFIX, [broken, whole]);
      await putMessageRecord(s3, BUCKET, PREFIX, [broken], '<LegalHold/>');
      await putMessageRecord(s3, BUCKET, PREFIX, [whole]);

      // Act
      const refused = await cli(['export', '--local', '--date', day, '-o', 'r.zip']);
      const allowed = await cli([
        'export',
        '--local',
        '--date',
        day,
        '-o',
        'a.zip',
        '--allow-unverified',
        '--json',
      ]);
      const unzipped = join(workDir, 'a');
      execFileSync('unzip', ['-q', join(workDir, 'a.zip'), '-d', unzipped]);
      const manifest = JSON.parse(await readFile(join(unzipped, 'manifest.json'), 'utf8'));

      // Assess
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        'the message record is unreadable (message record is not JSON)',
      );
      expect(allowed.code).toBe(0);
      expect(manifest.unreadableRecords).toEqual([
        {
          key: `${PREFIX}_records/${ACCOUNT_A}/2025/01/12/${sid('MM', 25)}.json`,
          reason: 'message record is not JSON',
        },
      ]);
      const byPath = Object.fromEntries(
        manifest.files.map((file: { path: string; verifiedAgainst: string }) => [
          file.path,
          file.verifiedAgainst,
        ]),
      );
      expect(Object.values(byPath).sort()).toEqual(['record', 's3-checksum', 's3-checksum']);
    });
  });

  describe('both record layouts', () => {
    // A legacy message: `message.json` beside its media and an `_index/` marker, as versions
    // before `_records/` wrote them; a current one: media and `_records/…/{MessageSid}.json` only.
    const day = '2025-01-20';
    const legacy = seed(
      { messageSid: sid('MM', 30), mediaSid: sid('ME', 30), receivedAt: `${day}T08:00:00Z` },
      800,
      30,
    );
    const current = seed(
      { messageSid: sid('MM', 31), mediaSid: sid('ME', 31), receivedAt: `${day}T09:00:00Z` },
      700,
      31,
    );
    const legacyRecord = `${PREFIX}${ACCOUNT_A}/2025/01/20/${sid('MM', 30)}/message.json`;
    const currentRecord = `${PREFIX}_records/${ACCOUNT_A}/2025/01/20/${sid('MM', 31)}.json`;

    beforeAll(async () => {
      await putArchivedMedia(s3, BUCKET, PREFIX, [legacy]);
      expect(await putMessageRecord(s3, BUCKET, PREFIX, [legacy], undefined, {}, 'legacy')).toBe(
        legacyRecord,
      );
      await putArchivedMedia(s3, BUCKET, PREFIX, [current], { marker: false });
      expect(await putMessageRecord(s3, BUCKET, PREFIX, [current])).toBe(currentRecord);
    });

    it('ls --message finds either message by SID alone, with its record', async () => {
      // Act
      const old = await cli(['ls', '--local', '--message', sid('MM', 30), '--details', '--json']);
      const now = await cli(['ls', '--local', '--message', sid('MM', 31), '--details', '--json']);
      const dated = await cli(['ls', '--local', '--message', sid('MM', 31), '--date', day]);

      // Assess
      expect(old.code, old.stderr).toBe(0);
      expect(now.code, now.stderr).toBe(0);
      const oldListing = JSON.parse(old.stdout);
      const nowListing = JSON.parse(now.stdout);
      expect(oldListing.media.map((m: { key: string }) => m.key)).toEqual([keyFor(legacy)]);
      expect(oldListing.records.map((r: { key: string }) => r.key)).toEqual([legacyRecord]);
      expect(oldListing.records[0].record.messageSid).toBe(sid('MM', 30));
      expect(nowListing.media.map((m: { key: string }) => m.key)).toEqual([keyFor(current)]);
      expect(nowListing.records.map((r: { key: string }) => r.key)).toEqual([currentRecord]);
      expect(nowListing.records[0].record.messageSid).toBe(sid('MM', 31));
      expect(dated.stdout.split('\n').map((line) => line.split('\t')[0])).toEqual([
        keyFor(current),
        currentRecord,
        '',
      ]);
    });

    it('get verifies either media against its record, found by SID alone', async () => {
      // Act
      const old = await cli([
        'get',
        sid('ME', 30),
        '--message',
        sid('MM', 30),
        '--local',
        '-o',
        '-',
      ]);
      const now = await cli([
        'get',
        sid('ME', 31),
        '--message',
        sid('MM', 31),
        '--local',
        '-o',
        '-',
      ]);

      // Assess
      expect(old.code, old.stderr).toBe(0);
      expect(now.code, now.stderr).toBe(0);
      for (const [result, media] of [
        [old, legacy],
        [now, current],
      ] as const) {
        expect(result.stderr).toContain(
          `${keyFor(media)}: sha256 ${sha256Hex(media.body)} verified against the message record`,
        );
      }
    });

    it('export ships both records, each where the archive holds it', async () => {
      // Act
      const result = await cli(['export', '--local', '--date', day, '-o', 'layouts.zip']);
      const unzipped = join(workDir, 'layouts');
      execFileSync('unzip', ['-q', join(workDir, 'layouts.zip'), '-d', unzipped]);
      const manifest = JSON.parse(await readFile(join(unzipped, 'manifest.json'), 'utf8'));

      // Assess
      expect(result.code, result.stderr).toBe(0);
      const records = manifest.files
        .filter((file: { kind: string }) => file.kind === 'record')
        .map((file: { key: string; verifiedAgainst: string }) => [file.key, file.verifiedAgainst]);
      expect(records.sort()).toEqual(
        [
          [legacyRecord, 's3-checksum'],
          [currentRecord, 's3-checksum'],
        ].sort(),
      );
      const media = manifest.files.filter((file: { kind: string }) => file.kind === 'media');
      expect(media.map((file: { verifiedAgainst: string }) => file.verifiedAgainst)).toEqual([
        'record',
        'record',
      ]);
    });
  });

  describe('url', () => {
    it('prints a presigned URL that serves the bytes and answers If-None-Match with 304', async () => {
      // Act
      const result = await cli(['url', sid('ME', 4), '--message', WHATSAPP, '--local']);

      // Assess
      expect(result.code).toBe(0);
      const url = result.stdout.trim();
      expect(url).toContain('X-Amz-Expires=3600');
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(bodyOf(sid('ME', 4)));
      const etag = response.headers.get('etag');
      expect(etag).toBeTruthy();
      const cached = await fetch(url, { headers: { 'If-None-Match': etag ?? '' } });
      expect(cached.status).toBe(304);
    });

    it('signs HTML media as an octet-stream download of a neutralised name, PDFs as they are', async () => {
      // Prepare: an HTML "media" on a day no other test lists
      const html = seed(
        {
          messageSid: sid('MM', 7),
          mediaSid: sid('ME', 7),
          contentType: 'text/html',
          receivedAt: '2024-01-02T10:00:00.000Z',
          originalFilename: 'invoice\u202efdp.exe',
        },
        300,
        7,
      );
      await putArchivedMedia(s3, BUCKET, PREFIX, [html]);

      // Act
      const result = await cli(['url', archiveKeyFor(PREFIX, html), '--local']);
      const response = await fetch(result.stdout.trim());
      await response.arrayBuffer();
      const pdf = await cli(['url', sid('ME', 4), '--message', WHATSAPP, '--local']);

      // Assess
      expect(result.code).toBe(0);
      expect(response.status).toBe(200);
      // fauxqs serves the object but ignores response-* overrides (S3 applies them): the signed
      // URL's own parameters are what the CLI controls.
      const signed = new URL(result.stdout.trim()).searchParams;
      expect(signed.get('response-content-type')).toBe('application/octet-stream');
      const disposition = signed.get('response-content-disposition') ?? '';
      expect(disposition).toMatch(/^attachment; filename="ME0+7\.html"/);
      expect(disposition).not.toMatch(/%E2%80%AE/i);
      expect(pdf.stdout).not.toContain('response-content-disposition');
    });
  });

  describe('stats', () => {
    it('counts media and bytes by content type and by day from listings only', async () => {
      // Act
      const result = await cli([
        'stats',
        '--local',
        '--since',
        '2025-03-14',
        '--until',
        '2025-03-15',
        '--json',
      ]);

      // Assess
      expect(result.code).toBe(0);
      const stats = JSON.parse(result.stdout);
      expect(stats).toMatchObject({
        since: '2025-03-14',
        until: '2025-03-15',
        count: 5,
        bytes: 3000 + 2000 + 1000 + 5000 + 700,
        byContentType: {
          'image/jpeg': { count: 2, bytes: 3700 },
          'image/png': { count: 1, bytes: 2000 },
          'image/gif': { count: 1, bytes: 1000 },
          'application/pdf': { count: 1, bytes: 5000 },
        },
        byDay: {
          '2025-03-14': { count: 4, bytes: 6700 },
          '2025-03-15': { count: 1, bytes: 5000 },
        },
      });
      expect((await server.requestCounts()).HEAD ?? 0).toBe(0);
    });

    it('prints a readable summary without --json', async () => {
      // Act
      const result = await cli(['stats', '--local', '--date', '2025-03-15']);

      // Assess
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('media       1');
      expect(result.stdout).toMatch(/application\/pdf\s+1\s+4\.9 KiB/);
    });
  });

  describe('errors', () => {
    it('names a missing bucket in one line, exit 1', async () => {
      // Act
      const result = await cli(['ls', '--local', '--date', '2025-03-14'], {
        ARCHIVE_BUCKET: 'no-such-bucket',
      });

      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('bucket no-such-bucket does not exist');
    });

    it('reports an unknown media SID as not found, exit 2', async () => {
      // Act
      const result = await cli(['get', sid('ME', 77), '--date', '2025-03-14', '--local']);

      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(
        `media-archive: media ${sid('ME', 77)} not found on 2025-03-14`,
      );
    });

    it('reports an unknown message as not found, exit 2', async () => {
      // Act
      const result = await cli(['ls', '--local', '--message', sid('MM', 77)]);

      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('not found');
    });

    it('requires ARCHIVE_BUCKET without --local', async () => {
      // Act
      const result = await cli(['stats']);

      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('ARCHIVE_BUCKET is required');
    });

    it('says when the local stack is not running', async () => {
      // Act
      const result = await cli(['ls', '--local'], { LOCAL_S3_PORT: '1' });

      // Assess
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('is the local stack running');
    });

    it('answers a usage error with exit 64 and where the help is', async () => {
      // Act
      const result = await cli(['ls', '--date', '2025-02-30']);

      // Assess
      expect(result.code).toBe(64);
      expect(result.stderr).toContain('--date must be a date YYYY-MM-DD');
      expect(result.stderr).toContain('see `media-archive ls --help`');
      expect(result.stderr).not.toContain('Usage: media-archive ls');
    });

    it.each(['ls', 'get', 'url', 'stats'])('prints help for %s', async (command) => {
      // Act
      const result = await cli([command, '--help']);

      // Assess
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: media-archive ${command}`);
    });
  });
});
