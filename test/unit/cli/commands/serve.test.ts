import { describe, expect, it } from 'vitest';
import { command as serve } from '../../../../lib/cli/commands/serve.ts';
import { UsageError } from '../../../../lib/cli/errors.ts';
import { COMMANDS, mainHelp, parseCommandLine } from '../../../../lib/cli/main.ts';

describe('media-archive serve', () => {
  it('binds 127.0.0.1:8080 by default and takes --port, --host and --local', () => {
    // Act
    const defaults = parseCommandLine(['serve']);
    const custom = parseCommandLine(['serve', '--local', '--port', '0', '--host', 'localhost']);

    // Assess
    expect(defaults).toEqual({ command: 'serve', local: false, port: 8080, host: '127.0.0.1' });
    expect(custom).toEqual({ command: 'serve', local: true, port: 0, host: 'localhost' });
  });

  it('refuses bad ports, hosts, arguments and options of other commands', () => {
    // Assess
    for (const argv of [
      ['serve', '--port', '70000'],
      ['serve', '--port', 'http'],
      ['serve', '--host', 'a b'],
      ['serve', 'extra'],
      ['serve', '--date', '2026-11-26'],
    ]) {
      expect(() => parseCommandLine(argv), argv.join(' ')).toThrow(UsageError);
    }
  });

  it('has its own help and a line in the main help', () => {
    // Assess
    expect(parseCommandLine(['serve', '--help'])).toEqual({ command: 'help', topic: 'serve' });
    expect(serve.help).toMatch(/^Usage: media-archive serve/);
    expect(mainHelp(COMMANDS)).toMatch(/^ {2}serve {4}/m);
  });
});
