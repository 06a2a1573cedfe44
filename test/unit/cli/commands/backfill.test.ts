import { describe, expect, it } from 'vitest';
import { parseBackfillArgs } from '../../../../lib/cli/commands/backfill.ts';
import { UsageError } from '../../../../lib/cli/errors.ts';

describe('parseBackfillArgs', () => {
  it('defaults --until to today, inbound, page size 1000', () => {
    // Act
    const args = parseBackfillArgs(['--since', '2025-01-01'], '2025-02-01');

    // Assess
    expect(args).toMatchObject({
      since: '2025-01-01',
      until: '2025-02-01',
      direction: 'inbound',
      pageSize: 1000,
      dryRun: false,
      direct: false,
      resume: false,
    });
  });

  it.each([
    [[], '--since is required'],
    [['--since', '2025-02-02', '--until', '2025-02-01'], '--until is before --since'],
    [['--since', '2025-01-01', '--direction', 'outbound'], '--direction'],
    [['--since', '2025-01-01', '--dry-run', '--direct'], '--dry-run'],
    [['--since', '2025-01-01', '--sizes'], '--sizes needs --dry-run'],
    [['--since', '2025-01-01', '--page-size', '1001'], '--page-size'],
    [['--since', '2025-13-01'], '--since'],
  ])('rejects %j', (argv, message) => {
    // Act / Assess
    expect(() => parseBackfillArgs(argv, '2025-02-01')).toThrow(UsageError);
    expect(() => parseBackfillArgs(argv, '2025-02-01')).toThrow(message);
  });
});
