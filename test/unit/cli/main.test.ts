import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../lib/cli/main.ts';
import { LOCAL_COMMANDS } from '../../../lib/local/cli-commands.ts';

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

  it('answers a usage error with one line and where the help is on stderr, exit 64', async () => {
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
    expect(stderr.text()).toBe(
      'media-archive: "nope" is neither a media SID (ME…) nor an object key\nsee `media-archive url --help`\n',
    );
    expect(stdout.text()).toBe('');
  });

  it.each([
    [['ls', '--bogus'], 'media-archive: unknown option --bogus\nsee `media-archive ls --help`\n'],
    [
      ['ls', '--dat', '2025-01-01'],
      'media-archive: unknown option --dat (did you mean "--date"?)\nsee `media-archive ls --help`\n',
    ],
    [['ls', '--date'], 'media-archive: --date needs a value\nsee `media-archive ls --help`\n'],
    [
      ['export', '--bogus'],
      'media-archive export: unknown option --bogus\nsee `media-archive export --help`\n',
    ],
    [
      ['hold', '--relase'],
      'media-archive hold: unknown option --relase (did you mean "--release"?)\nsee `media-archive hold --help`\n',
    ],
    [
      ['redrive', '--json=yes'],
      'media-archive redrive: --json takes no value\nsee `media-archive redrive --help`\n',
    ],
  ])(
    "names a bad flag %j in our words, not parseArgs's, and the command's help",
    async (argv, expected) => {
      // Prepare
      const stdout = capture();
      const stderr = capture();

      // Act
      const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream, env: {} });

      // Assess
      expect(code).toBe(64);
      expect(stderr.text()).toBe(expected);
      expect(stderr.text()).not.toMatch(/Unknown option|positional argument|'--/);
      expect(stdout.text()).toBe('');
    },
  );

  it.each([
    [['lss'], 'unknown command "lss" (did you mean "ls"?)', 'media-archive --help'],
    [
      ['sendtest'],
      'unknown command "sendtest" (did you mean "send-test"?)',
      'media-archive --help',
    ],
    [['ls', '--dayz', '3'], '(did you mean "--days"?)', 'media-archive ls --help'],
    [['stats', '--message', 'MM1'], 'stats does not take --message', 'media-archive stats --help'],
  ])('suggests what was meant for %j', async (argv, message, help) => {
    // Prepare
    const stderr = capture();
    // Act
    const code = await runCli(
      argv,
      { stdout: capture().stream, stderr: stderr.stream, env: {} },
      LOCAL_COMMANDS,
    );
    // Assess
    expect(code).toBe(64);
    const lines = stderr.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(message);
    expect(lines[1]).toBe(`see \`${help}\``);
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

  it('takes options before any command, an operation too', async () => {
    // Prepare
    const stdout = capture();
    const stderr = capture();

    // Act
    const code = await runCli(['--json', 'redrive', '--max', 'x'], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: {},
    });

    // Assess
    expect(code).toBe(64);
    expect(stderr.text()).toBe(
      'media-archive redrive: --max must be a positive integer\nsee `media-archive redrive --help`\n',
    );
    expect(stdout.text()).toBe('');
  });

  it("lists the local stack's send-test only where the local stack adds it", async () => {
    // Prepare
    const product = capture();
    const withLocal = capture();

    // Act
    await runCli(['--help'], { stdout: product.stream, stderr: capture().stream, env: {} });
    await runCli(
      ['--help'],
      { stdout: withLocal.stream, stderr: capture().stream, env: {} },
      LOCAL_COMMANDS,
    );

    // Assess
    expect(product.text()).not.toContain('send-test');
    expect(withLocal.text()).toMatch(/^ {2}send-test {3}--local: archive a test message/m);
    expect(product.text()).toMatch(/^ {2}redrive {5}move dead-lettered jobs/m);
  });
});
