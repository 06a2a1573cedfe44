import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatCheck, formatVerdict, suggestOption } from '../../../../lib/cli/commands/doctor.ts';
import { runCli } from '../../../../lib/cli/main.ts';

const capture = () => {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
};

const doctor = async (
  args: string[],
  env: Record<string, string> = { AWS_REGION: 'eu-west-1' },
) => {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(['doctor', ...args], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
};

describe('media-archive doctor (command line)', () => {
  it('prints its help, listing every check, with exit 0', async () => {
    // Act
    const result = await doctor(['--help']);

    // Assess
    expect(result.code).toBe(0);
    for (const id of [
      'stack',
      'ssm-parameters',
      'twilio-credentials',
      'twilio-webhook',
      'dead-letter-queue',
      'alarms',
      'reconcile',
    ]) {
      expect(result.stdout).toContain(`  ${id} `);
    }
  });

  it('is listed in the main help', async () => {
    // Prepare
    const stdout = capture();

    // Act
    await runCli(['--help'], { stdout: stdout.stream, stderr: capture().stream, env: {} });

    // Assess
    expect(stdout.text()).toMatch(/^ {2}doctor {6}check a deployed stack/m);
  });

  it('requires --stage (exit 64, with where the help is)', async () => {
    // Act
    const result = await doctor([]);

    // Assess
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('media-archive doctor: --stage is required');
    expect(result.stderr).toContain('see `media-archive doctor --help`');
  });

  it('suggests the option a typo meant', async () => {
    // Act
    const result = await doctor(['--stge', 'dev']);

    // Assess
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('unknown option --stge (did you mean --stage?)');
  });

  it('refuses a bad stage, region or age', async () => {
    // Act
    const results = await Promise.all([
      doctor(['--stage', 'dev/x']),
      doctor(['--stage', 'dev', '--region', 'Ireland']),
      doctor(['--stage', 'dev', '--reconcile-max-age', '0']),
    ]);

    // Assess
    expect(results.map((r) => r.code)).toEqual([64, 64, 64]);
    expect(results[0]?.stderr).toContain('--stage must be letters, digits and dashes');
    expect(results[1]?.stderr).toContain('--region must be an AWS region');
    expect(results[2]?.stderr).toContain('--reconcile-max-age must be a positive number of hours');
  });

  it('needs a region from --region or AWS_REGION', async () => {
    // Act
    const result = await doctor(['--stage', 'dev'], {});

    // Assess
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('no AWS region: --region or AWS_REGION');
  });
});

describe('suggestOption', () => {
  it('suggests only near misses', () => {
    // Act / Assess
    expect(suggestOption('--regoin')).toBe('--region');
    expect(suggestOption('--jsn')).toBe('--json');
    expect(suggestOption('--bucket')).toBeUndefined();
  });
});

describe('formatCheck / formatVerdict', () => {
  it('prints one aligned line per check and names the failed ones', () => {
    // Prepare
    const report = {
      stackName: 'twilio-media-archiver-dev',
      ok: false,
      checks: [
        { id: 'stack' as const, status: 'ok' as const, summary: 'fine' },
        { id: 'alarms' as const, status: 'fail' as const, summary: 'none' },
      ],
    };

    // Act / Assess
    expect(report.checks.map(formatCheck)).toEqual([
      'ok    stack               fine',
      'FAIL  alarms              none',
    ]);
    expect(formatVerdict(report)).toBe('twilio-media-archiver-dev: 1 of 2 checks not ok (alarms)');
  });
});
