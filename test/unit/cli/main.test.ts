import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../lib/cli/main.ts';

const capture = () => {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
};

describe('runCli', () => {
  it('prints the main help on stdout with exit 0', async () => {
    // Prepare
    const stdout = capture();
    const stderr = capture();

    // Act
    const code = await runCli(['--help'], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: {},
    });

    // Assess
    expect(code).toBe(0);
    expect(stdout.text()).toContain('Usage: media-archive <command>');
    expect(stderr.text()).toBe('');
  });

  it('answers a usage error with the message and the command help on stderr, exit 64', async () => {
    // Prepare
    const stdout = capture();
    const stderr = capture();

    // Act
    const code = await runCli(['url', 'nope'], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: {},
    });

    // Assess
    expect(code).toBe(64);
    expect(stderr.text()).toMatch(/^media-archive: "nope" is neither a media SID/);
    expect(stderr.text()).toContain('Usage: media-archive url');
    expect(stdout.text()).toBe('');
  });

  it('fails in one line when ARCHIVE_BUCKET is missing outside --local', async () => {
    // Prepare
    const stdout = capture();
    const stderr = capture();

    // Act
    const code = await runCli(['ls'], { stdout: stdout.stream, stderr: stderr.stream, env: {} });

    // Assess
    expect(code).toBe(1);
    expect(stderr.text()).toBe(
      "media-archive: ARCHIVE_BUCKET is required (the archive bucket's name; or --local for the local stack)\n",
    );
  });
});
