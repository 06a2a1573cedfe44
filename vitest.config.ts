import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // `npm run test:coverage`: the unit suite's coverage of product code (tooling excluded). The
    // thresholds are the level measured when the gate was set: raise them, never lower them.
    coverage: {
      provider: 'v8',
      include: ['lib/**/*.ts'],
      exclude: ['lib/stand-ins/**', 'lib/local/**', 'lib/rehearsal/**'],
      reporter: ['text-summary', 'json-summary'],
      reportOnFailure: true,
      // Measured 2026-12-08 on main as merged at the end of the round (unit suite, 1220 tests): all
      // product code, then the core on its own. First set at 846 tests the same day, then re-measured
      // as Event Streams, connect, shared keys, find/erase and the per-message record step landed
      // (their CLI-facing use cases are covered by integration tests, which the gate does not count).
      thresholds: {
        statements: 74,
        branches: 65,
        functions: 71,
        lines: 75,
        'lib/domain/**': { statements: 94, branches: 92, functions: 98, lines: 96 },
        'lib/use-cases/**': { statements: 89, branches: 81, functions: 89, lines: 91 },
      },
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Each file starts its own servers on free ports; cap parallelism on 2 cores.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
