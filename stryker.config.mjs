// @ts-check
/**
 * Mutation testing of the modules that guard data (docs/MUTATION.md): the DELETE rule, webhook
 * authentication, the media-origin allow-list, the token cache and the redaction decision.
 * A module that comes to decide a DELETE, a redaction, an authentication or an origin belongs in
 * `mutate`, and its tests in vitest.mutation.config.ts.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [
    'lib/domain/archive-proof.ts',
    'lib/domain/twilio-signature.ts',
    'lib/domain/media-origins.ts',
    'lib/domain/token-cache-policy.ts',
    'lib/domain/account-scope.ts',
    'lib/use-cases/record-message.ts',
    'lib/use-cases/receive-webhook.ts',
    'lib/use-cases/account-tokens.ts',
    'lib/use-cases/subaccount-listing.ts',
    'lib/use-cases/archive-media.ts',
    'lib/use-cases/archive-media/fetch.ts',
  ],
  // Stryker's sandbox step rewrites tsconfig references with a TypeScript 5 API that TypeScript 7
  // no longer has. Our tsconfig.json has no `extends` or `references`, so there is nothing to
  // rewrite: pointing at a file that does not exist makes Stryker skip the step.
  tsconfigFile: 'stryker-has-no-tsconfig.json',
  // No type-checker: vitest runs the TypeScript directly, and a mutant that does not type-check
  // still runs (and is killed or not) like any other.
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Fails the run when the overall score drops well below today's (docs/MUTATION.md has per module).
  thresholds: { high: 95, low: 90, break: 85 },
};
