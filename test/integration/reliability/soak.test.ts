import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSoak, SOAK_FAULTS, type SoakResult } from '../../../scripts/soak.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';

/** The chaos soak of `npm run soak`, scaled down: same fault rates, 120 media over 40 messages. */
describe('chaos soak (scaled down)', () => {
  let result: SoakResult;
  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    // Prepare
    output = captureOutput();

    // Act
    result = await runSoak({
      media: 120,
      messages: 40,
      faults: SOAK_FAULTS,
      visibilityTimeoutSeconds: 6,
      timeoutMs: 100_000,
    });
  });

  afterAll(() => {
    output?.restore();
  });

  it('injected every kind of fault', () => {
    // Assess
    expect(result.faultsInjected.throttle).toBeGreaterThan(0);
    expect(result.faultsInjected['server-error']).toBeGreaterThan(0);
    expect(result.faultsInjected.reset ?? 0).toBeGreaterThan(0);
    expect(result.faultsInjected['transient-404'] ?? 0).toBeGreaterThan(0);
  });

  it('archives 120/120 with no duplicate, no early delete, all deleted, nothing dead-lettered', () => {
    // Assess
    expect(result.timedOut).toBe(false);
    expect({
      archived: result.archived,
      duplicates: result.duplicates,
      strays: result.strays,
      deletesBeforeVerified: result.deletesBeforeVerified,
      deleted: result.deleted,
      deadLettered: result.deadLettered,
    }).toEqual({
      archived: 120,
      duplicates: 0,
      strays: 0,
      deletesBeforeVerified: 0,
      deleted: 120,
      deadLettered: 0,
    });
    expect(result.failures).toEqual([]);
  });
});
