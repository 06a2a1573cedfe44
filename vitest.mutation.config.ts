import { defineConfig } from 'vitest/config';

/**
 * The unit tests Stryker runs against each mutant (`npm run mutation`): only the files that cover
 * the guarded modules listed in stryker.config.mjs, so a mutant costs a few test files, not the
 * whole unit suite.
 */
export default defineConfig({
  test: {
    name: 'unit',
    environment: 'node',
    include: [
      'test/unit/domain/archive-proof.test.ts',
      'test/unit/domain/twilio-signature.test.ts',
      'test/unit/domain/media-origins.test.ts',
      'test/unit/domain/token-cache-policy.test.ts',
      'test/unit/domain/account-scope.test.ts',
      'test/unit/use-cases/record-message.test.ts',
      'test/unit/use-cases/receive-webhook*.test.ts',
      'test/unit/use-cases/account-tokens.test.ts',
      'test/unit/use-cases/subaccount-listing.test.ts',
      'test/unit/use-cases/archive-media.test.ts',
      'test/unit/use-cases/archive-media/*.test.ts',
    ],
  },
});
