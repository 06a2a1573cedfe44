#!/usr/bin/env node
// Bundles each Lambda in functions/ into dist/<name>/index.mjs (minified ESM, node24) with a
// metafile, and fails when a bundle exceeds its budget or pulls in the `twilio` SDK.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

const BUDGET_BYTES = { webhook: 500_000, archiver: 700_000, reconcile: 700_000 };
const DEFAULT_BUDGET = 700_000;
const FORBIDDEN_PACKAGE = /(^|\/)node_modules\/twilio\//;

const entries = (await readdir('functions')).filter((file) => file.endsWith('.ts'));
const report = [];
let failed = false;

for (const file of entries) {
  const name = basename(file, '.ts');
  const outdir = join('dist', name);
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join('functions', file)],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    minify: true,
    sourcemap: false,
    format: 'esm',
    platform: 'node',
    // ESM builds (dist-es) of the AWS SDK tree-shake far better than their CommonJS twins.
    mainFields: ['module', 'main'],
    // Loaded on demand from the Lambda runtime's AWS SDK: see lib/secrets.ts.
    external: ['@aws-sdk/client-ssm'],
    target: 'node24',
    metafile: true,
    legalComments: 'none',
    // Some dependencies still call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  await writeFile(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
  const output = Object.values(result.metafile.outputs)[0];
  const bytes = output?.bytes ?? 0;
  const budget = BUDGET_BYTES[name] ?? DEFAULT_BUDGET;
  const twilioInputs = Object.keys(result.metafile.inputs).filter((input) =>
    FORBIDDEN_PACKAGE.test(input),
  );
  report.push({ name, bytes, budget, twilioInputs: twilioInputs.length });
  if (bytes > budget) {
    console.error(`build: ${name} is ${bytes} bytes, over its budget of ${budget}`);
    failed = true;
  }
  if (twilioInputs.length > 0) {
    console.error(`build: ${name} bundles the twilio SDK (${twilioInputs[0]})`);
    failed = true;
  }
}

await writeFile(join('dist', 'sizes.json'), `${JSON.stringify(report, null, 2)}\n`);
for (const { name, bytes, budget } of report) {
  console.log(
    `build: ${name.padEnd(10)} ${(bytes / 1000).toFixed(1).padStart(7)} KB (budget ${budget / 1000} KB)`,
  );
}
if (failed) process.exit(1);
