// esbuild plugins for serverless-esbuild (loaded with require(), hence CommonJS). They make the
// package step itself fail when a bundle pulls in the `twilio` SDK or outgrows its budget, the
// same rules scripts/build.mjs applies to dist/.
const { basename } = require('node:path');

/** Minified bytes per function; @aws-sdk/client-sqs alone is ~460 KB, client-s3 + lib-storage ~600 KB. */
const BUDGET_BYTES = { webhook: 500_000, archiver: 700_000, reconcile: 700_000 };
const DEFAULT_BUDGET_BYTES = 700_000;

const forbidTwilio = {
  name: 'forbid-twilio-sdk',
  setup(build) {
    build.onResolve({ filter: /^twilio(\/|$)/ }, (args) => ({
      errors: [
        {
          text: `the twilio SDK is a dev dependency and must not reach a Lambda (imported by ${args.importer})`,
        },
      ],
    }));
  },
};

const bundleBudget = {
  name: 'bundle-budget',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length > 0) {
        exitAfterFailedBuild();
        return undefined;
      }
      if (!result.metafile) {
        exitAfterFailedBuild();
        return { errors: [{ text: 'bundle-budget needs `metafile: true`' }] };
      }
      const errors = [];
      for (const [file, output] of Object.entries(result.metafile.outputs)) {
        if (!output.entryPoint) continue;
        const name = basename(output.entryPoint).replace(/\.[cm]?[jt]s$/, '');
        const budget = BUDGET_BYTES[name] ?? DEFAULT_BUDGET_BYTES;
        if (output.bytes > budget) {
          errors.push({ text: `${file} is ${output.bytes} bytes, over its budget of ${budget}` });
        }
      }
      if (errors.length > 0) exitAfterFailedBuild();
      return { errors };
    });
  },
};

/**
 * serverless-esbuild 1.57 leaves its esbuild context open when a build fails, so osls prints the
 * error and then hangs forever (seen in CI as a timeout). Exit once osls has had time to report.
 * The timer is unref'd: a successful run is never cut short.
 */
const exitAfterFailedBuild = () => {
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 3_000).unref();
};

module.exports = [forbidTwilio, bundleBudget];
