import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { command as backfill } from '../../../lib/cli/commands/backfill.ts';
import { mainHelp, COMMANDS as PRODUCT_COMMANDS, runCli } from '../../../lib/cli/main.ts';
import { optionFlags } from '../../../lib/cli/options.ts';
import { LOCAL_COMMANDS } from '../../../lib/local/cli-commands.ts';

/** What bin/media-archive.mjs runs: the product's commands and the local stack's. */
const COMMANDS = [...PRODUCT_COMMANDS, ...LOCAL_COMMANDS];
const HELP = Object.fromEntries([
  ['main', mainHelp(COMMANDS)],
  ...COMMANDS.map((command) => [command.name, command.help]),
]) as Record<string, string>;

const capture = () => {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
};

/** A known option, one letter off: `--local` → `--localx`. */
const typoOf = (options: Readonly<Record<string, unknown>>): { typo: string; meant: string } => {
  const meant = Object.keys(options).find((name) => name !== 'help' && name.length >= 4);
  if (meant === undefined) throw new Error('a command without options of its own');
  return { typo: `--${meant}x`, meant: `--${meant}` };
};

describe('the command registry', () => {
  it('lists every command of the main help once', () => {
    // Prepare
    const main = HELP.main as string;
    const section = main.slice(main.indexOf('Commands:'), main.indexOf('Run media-archive'));
    const listed = [...section.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((match) => match[1]);

    // Act
    const names = COMMANDS.map((command) => command.name);

    // Assess
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...listed].sort());
  });

  it('names the local S3 that the stack runs (fauxqs), never the s3rver it replaced', () => {
    // Act
    const stale = Object.entries(HELP).filter(([, text]) => /s3rver/i.test(text));

    // Assess
    expect(stale.map(([topic]) => topic)).toEqual([]);
  });

  it("tells backfill --local users the emulator's demo account is read for them", () => {
    // Act
    const local = backfill.help.slice(backfill.help.indexOf('  --local'));

    // Assess
    expect(local).toContain('twilio-emulator.json: no Twilio variables needed');
    expect(local).not.toContain('as printed by npm start');
  });

  describe.each(COMMANDS.map((command) => [command.name, command] as const))(
    '%s',
    (name, command) => {
      it('has a summary, its own help and an options spec with --help', () => {
        // Act
        const flags = optionFlags(command.options);

        // Assess
        expect(command.summary.length).toBeGreaterThan(0);
        expect(command.help.startsWith(`Usage: media-archive ${name}`)).toBe(true);
        expect(flags).toContain('--help');
        expect(command.options.help?.short).toBe('h');
      });

      it('prints its help for --help, exit 0', async () => {
        // Prepare
        const stdout = capture();
        const stderr = capture();

        // Act
        const code = await runCli(
          [name, '--help'],
          {
            stdout: stdout.stream,
            stderr: stderr.stream,
            env: {},
          },
          LOCAL_COMMANDS,
        );

        // Assess
        expect(code).toBe(0);
        expect(stdout.text()).toContain(`Usage: media-archive ${name}`);
        expect(stderr.text()).toBe('');
      });

      it('prints the same help for `help <command>`, exit 0', async () => {
        // Prepare
        const stdout = capture();
        const stderr = capture();

        // Act
        const code = await runCli(
          ['help', name],
          {
            stdout: stdout.stream,
            stderr: stderr.stream,
            env: {},
          },
          LOCAL_COMMANDS,
        );

        // Assess
        expect(code).toBe(0);
        expect(stdout.text()).toContain(`Usage: media-archive ${name}`);
        expect(stderr.text()).toBe('');
      });

      it('answers an unknown option with one line, a suggestion and where the help is, exit 64', async () => {
        // Prepare
        const stdout = capture();
        const stderr = capture();
        const { typo, meant } = typoOf(command.options);

        // Act
        const code = await runCli(
          [name, typo],
          {
            stdout: stdout.stream,
            stderr: stderr.stream,
            env: {},
          },
          LOCAL_COMMANDS,
        );

        // Assess
        expect(code).toBe(64);
        expect(stdout.text()).toBe('');
        const lines = stderr.text().trimEnd().split('\n');
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatch(/^media-archive( [a-z-]+)?: /);
        expect(lines[0]).toContain(typo);
        expect(lines[0]).toMatch(new RegExp(`did you mean "?${meant}"?\\?`));
        expect(lines[1]).toBe(`see \`media-archive ${name} --help\``);
      });
    },
  );
});
