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
      // Measured 2026-12-08 on main as merged (unit suite, 1127 tests): all product code, then the
      // core on its own. Set first at 846 tests; re-set once when Event Streams intake, connect and
      // shared keys landed the same day (connect's use cases are covered by integration tests).
      thresholds: {
        statements: 75,
        branches: 66,
        functions: 73,
        lines: 76,
        'lib/domain/**': { statements: 94, branches: 92, functions: 98, lines: 96 },
        'lib/use-cases/**': { statements: 90, branches: 81, functions: 91, lines: 92 },
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
