import { PassThrough } from 'node:stream';
import {
  GetObjectLockConfigurationCommand,
  ListObjectsV2Command,
  PutObjectLegalHoldCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { command as hold } from '../../../../lib/cli/commands/hold.ts';
import { runnerOf } from '../../../helpers/run-cli.ts';

const run = runnerOf(hold);

const s3Mock = mockClient(S3Client);
const MM = `MM${'1'.repeat(32)}`;
const ENV = {
  ARCHIVE_BUCKET: 'archive',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status } });

const runHold = async (argv: string[]) => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  const code = await run(argv, { stdout, stderr, env: ENV });
  return { code, stdout: out.join(''), stderr: err.join('') };
};

describe('hold', () => {
  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3Mock.on(PutObjectLegalHoldCommand).resolves({});
  });

  it.each([
    ['ObjectLockConfigurationNotFoundError', 404],
    ['NotImplemented', 501],
  ])('refuses in one line when S3 answers %s, sending no write', async (name, status) => {
    // Prepare
    s3Mock.on(GetObjectLockConfigurationCommand).rejects(s3Error(name, status));

    // Act
    const result = await runHold([MM, '--date', '2026-12-01']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `media-archive hold: bucket archive has no Object Lock (S3 answered ${name}): a legal hold needs a bucket created with Object Lock (deploy param objectLockMode); nothing was changed\n`,
    );
    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  it('refuses a configuration that does not say Enabled', async () => {
    // Prepare
    s3Mock.on(GetObjectLockConfigurationCommand).resolves({ ObjectLockConfiguration: {} });

    // Act
    const result = await runHold([MM, '--date', '2026-12-01']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ObjectLockEnabled=absent');
    expect(s3Mock.commandCalls(PutObjectLegalHoldCommand)).toHaveLength(0);
  });

  it('goes on to look the message up when Object Lock is enabled', async () => {
    // Prepare
    s3Mock
      .on(GetObjectLockConfigurationCommand)
      .resolves({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } });

    // Act
    const result = await runHold([MM, '--date', '2026-12-01']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`message ${MM} not found on 2026-12-01`);
    expect(s3Mock.commandCalls(ListObjectsV2Command).length).toBeGreaterThan(0);
  });
});
