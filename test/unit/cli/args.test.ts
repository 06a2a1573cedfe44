import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../lib/cli/errors.ts';
import { parseCommandLine } from '../../../lib/cli/main.ts';

const AC = `AC${'a'.repeat(32)}`;
const MM = `MM${'1'.repeat(32)}`;
const ME = `ME${'2'.repeat(32)}`;

const usageError = (argv: string[]): UsageError => {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('parseCommandLine', () => {
  it('parses ls with a range, an account and flags in any order', () => {
    // Act
    const parsed = parseCommandLine([
      '--local',
      'ls',
      '--since',
      '2025-01-01',
      '--account',
      AC,
      '--until',
      '2025-01-31',
      '--json',
    ]);

    // Assess
    expect(parsed).toEqual({
      command: 'ls',
      local: true,
      account: AC,
      range: { since: '2025-01-01', until: '2025-01-31' },
      details: false,
      json: true,
    });
  });

  it('parses get with a message, an output file and --force', () => {
    // Act
    const parsed = parseCommandLine(['get', ME, '--message', MM, '-o', 'a.jpg', '-f']);

    // Assess
    expect(parsed).toEqual({
      command: 'get',
      local: false,
      lookup: { target: ME, message: MM, days: 31 },
      output: 'a.jpg',
      force: true,
      unverified: false,
    });
  });

  it('parses get --unverified (save a media that failed its check, marked)', () => {
    // Act
    const parsed = parseCommandLine(['get', ME, '--unverified']);

    // Assess
    expect(parsed).toMatchObject({ command: 'get', unverified: true, force: false });
  });

  it('defaults url to 3600 s and accepts an object key as target', () => {
    // Act
    const bySid = parseCommandLine(['url', ME]);
    const byKey = parseCommandLine(['url', 'media/x/y.jpg', '--expires', '604800']);

    // Assess
    expect(bySid).toMatchObject({ command: 'url', expires: 3600, lookup: { target: ME } });
    expect(byKey).toMatchObject({ expires: 604800, lookup: { target: 'media/x/y.jpg' } });
  });

  it('answers --help for the command it follows, and for no command', () => {
    // Act & Assess
    expect(parseCommandLine(['stats', '--help'])).toEqual({ command: 'help', topic: 'stats' });
    expect(parseCommandLine(['-h'])).toEqual({ command: 'help', topic: 'main' });
    expect(parseCommandLine(['help', 'get'])).toEqual({ command: 'help', topic: 'get' });
  });

  it.each([
    [[], 'a command is required', undefined],
    [['rm'], 'unknown command "rm"', undefined],
    [['ls', '--bogus'], 'unknown option --bogus', 'ls'],
    [['ls', '--expires', '5'], 'ls does not take --expires', 'ls'],
    [['ls', '--date', '2025-02-30'], '--date must be a date YYYY-MM-DD', 'ls'],
    [['ls', '--date', '2025-01-01', '--days', '3'], 'use one of --date', 'ls'],
    [['ls', '--until', '2025-01-01'], '--until needs --since', 'ls'],
    [['stats', '--since', '2025-02-01', '--until', '2025-01-01'], '--until is before', 'stats'],
    [['ls', '--message', 'SMnope'], '--message must be', 'ls'],
    [['ls', '--account', 'ACnope'], '--account must be', 'ls'],
    [['get'], 'exactly one media SID', 'get'],
    [['get', 'MEshort'], 'neither a media SID', 'get'],
    [['url', ME, '--expires', '604801'], '--expires must be an integer in 1..604800', 'url'],
    [['url', ME, '--expires', '1.5'], '--expires must be an integer', 'url'],
    [['get', ME, '--days', '0'], '--days must be an integer', 'get'],
  ])('rejects %j', (argv, message, command) => {
    // Act
    const error = usageError(argv);

    // Assess
    expect(error.message).toContain(message);
    expect(error.command).toBe(command);
  });
  it('asks connect and disconnect for --stage or --local when neither is given', () => {
    // Act
    const connect = usageError(['connect']);
    const disconnect = usageError(['disconnect', '--yes']);

    // Assess
    expect(connect.message).toBe('one of --stage STAGE (a deployed stack) or --local');
    expect(disconnect.message).toBe('one of --stage STAGE (a deployed stack) or --local');
  });

  it('parses disconnect of a stage with accounts; without --yes or --dry-run it refuses', () => {
    // Act
    const parsed = parseCommandLine(['disconnect', '--stage', 'prod', '--yes', '--account', AC]);
    const refused = usageError(['disconnect', '--stage', 'prod']);

    // Assess
    expect(parsed).toEqual({
      command: 'disconnect',
      stage: 'prod',
      stackName: 'twilio-media-archiver-prod',
      accounts: [AC],
      local: false,
      dryRun: false,
      json: false,
    });
    expect(refused.message).toBe('disconnect deletes at Twilio: add --yes (or --dry-run)');
  });
});
