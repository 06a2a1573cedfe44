import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../..');
const CHECK_IMPORTS = join(REPO, 'scripts/check-imports.mjs');
const BIOME = join(REPO, 'node_modules/.bin/biome');

/** A tree that keeps every rule: each test plants one violation into a copy of it. */
const CLEAN_TREE: Record<string, string> = {
  'lib/domain/job.ts': 'export const job = 1;\n',
  'lib/ports/queue.ts': "import { job } from '../domain/job.ts';\n\nexport const queue = job;\n",
  'lib/use-cases/enqueue.ts':
    "import { job } from '../domain/job.ts';\nimport { queue } from '../ports/queue.ts';\n\nexport const enqueue = job + queue;\n",
  'lib/config/env.ts': 'export const env = 1;\n',
  'lib/observability.ts': 'export const logger = 1;\n',
  'lib/adapters/sqs/queue.ts':
    "import { queue } from '../../ports/queue.ts';\n\nexport const sqs = queue;\n",
  'lib/compose/lambda.ts':
    "import { sqs } from '../adapters/sqs/queue.ts';\nimport { enqueue } from '../use-cases/enqueue.ts';\n\nexport const deps = sqs + enqueue;\n",
  'lib/handlers/handler.ts':
    "import { deps } from '../compose/lambda.ts';\n\nexport const handler = deps;\n",
  'lib/stand-ins/emulator.ts':
    "import { job } from '../domain/job.ts';\n\nexport const emulator = job;\n",
  'lib/local/stack.ts':
    "import { emulator } from '../stand-ins/emulator.ts';\n\nexport const stack = emulator;\n",
  'lib/cli/errors.ts': 'export const UsageError = 1;\n',
  'lib/cli/options.ts': 'export const parseOptions = 1;\n',
  'lib/cli/command.ts':
    "import { UsageError } from './errors.ts';\nimport { parseOptions } from './options.ts';\n\nexport const cliCommand = UsageError + parseOptions;\n",
  'functions/webhook.ts':
    "import { handler } from '../lib/handlers/handler.ts';\n\nexport { handler };\n",
};

const writeTree = async (root: string, files: Record<string, string>) => {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
};

/** Exit code and output of the import checker run on `root`. */
const checkImports = async (root: string) => {
  try {
    const { stdout } = await run(process.execPath, [CHECK_IMPORTS, root]);
    return { code: 0, output: stdout };
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, output: failure.stderr };
  }
};

/** Exit code and output of Biome's linter on `root`, with the repository's biome.json. */
const biomeLint = async (root: string) => {
  await copyFile(join(REPO, 'biome.json'), join(root, 'biome.json'));
  try {
    const { stdout } = await run(BIOME, ['lint', '--vcs-enabled=false', 'lib', 'functions'], {
      cwd: root,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, output: `${failure.stdout}${failure.stderr}` };
  }
};

describe('scripts/check-imports.mjs', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'layer-rules-'));
    await writeTree(root, CLEAN_TREE);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('passes the repository as it is', async () => {
    // Act
    const result = await checkImports(REPO);

    // Assess
    expect(result).toMatchObject({ code: 0 });
  });

  it('passes a tree that keeps every rule', async () => {
    // Act
    const result = await checkImports(root);

    // Assess
    expect(result).toMatchObject({ code: 0 });
  });

  const violations: [string, Record<string, string>, string][] = [
    [
      'a use case importing config',
      {
        'lib/use-cases/planted.ts':
          "import { env } from '../config/env.ts';\n\nexport const x = env;\n",
      },
      'lib/use-cases may import only lib/use-cases, lib/ports, lib/domain: lib/use-cases/planted.ts → lib/config/env.ts',
    ],
    [
      'a use case importing the observability singletons',
      {
        'lib/use-cases/planted.ts':
          "import { logger } from '../observability.ts';\n\nexport const x = logger;\n",
      },
      'lib/use-cases/planted.ts → lib/observability.ts',
    ],
    [
      'a use case importing an adapter',
      {
        'lib/use-cases/planted.ts':
          "import { sqs } from '../adapters/sqs/queue.ts';\n\nexport const x = sqs;\n",
      },
      'lib/use-cases/planted.ts → lib/adapters/sqs/queue.ts',
    ],
    [
      'a port importing a use case',
      {
        'lib/ports/planted.ts':
          "import { enqueue } from '../use-cases/enqueue.ts';\n\nexport const x = enqueue;\n",
      },
      'lib/ports may import only lib/ports, lib/domain: lib/ports/planted.ts → lib/use-cases/enqueue.ts',
    ],
    [
      'the domain importing a port',
      {
        'lib/domain/planted.ts':
          "import { queue } from '../ports/queue.ts';\n\nexport const x = queue;\n",
      },
      'lib/domain may import only lib/domain: lib/domain/planted.ts → lib/ports/queue.ts',
    ],
    [
      'a handler importing a stand-in',
      {
        'lib/handlers/planted.ts':
          "import { emulator } from '../stand-ins/emulator.ts';\n\nexport const x = emulator;\n",
      },
      'the product imports tooling: lib/handlers/planted.ts → lib/stand-ins/emulator.ts',
    ],
    [
      'compose importing the local stack',
      {
        'lib/compose/planted.ts':
          "import { stack } from '../local/stack.ts';\n\nexport const x = stack;\n",
      },
      'the product imports tooling: lib/compose/planted.ts → lib/local/stack.ts',
    ],
    [
      'a new CLI command importing a stand-in',
      {
        'lib/cli/commands/planted.ts':
          "import { emulator } from '../../stand-ins/emulator.ts';\n\nexport const x = emulator;\n",
      },
      'the product imports tooling: lib/cli/commands/planted.ts → lib/stand-ins/emulator.ts',
    ],
    [
      'the local stack importing a CLI command rather than the CLI contract',
      {
        'lib/cli/commands/ls.ts':
          "import { cliCommand } from '../command.ts';\n\nexport const ls = cliCommand;\n",
        'lib/local/planted.ts':
          "import { ls } from '../cli/commands/ls.ts';\n\nexport const x = ls;\n",
      },
      'client imports another client: lib/local/planted.ts → lib/cli/commands/ls.ts',
    ],
    [
      'a CLI command importing an adapter',
      {
        'lib/cli/commands/planted.ts':
          "import { sqs } from '../../adapters/sqs/queue.ts';\n\nexport const x = sqs;\n",
      },
      'a client imports an adapter (lib/compose builds them): lib/cli/commands/planted.ts → lib/adapters/sqs/queue.ts',
    ],
    [
      'the browser importing an AWS SDK type',
      {
        'lib/browser/planted.ts':
          "import type { S3Client } from '@aws-sdk/client-s3';\n\nexport type X = S3Client;\n",
      },
      'a client imports the AWS SDK: lib/browser/planted.ts → @aws-sdk/client-s3',
    ],
  ];

  it('lets the local stack add a command through the CLI contract (command, options, errors)', async () => {
    // Prepare
    await writeTree(root, {
      'lib/local/send-test.ts':
        "import { cliCommand } from '../cli/command.ts';\nimport { UsageError } from '../cli/errors.ts';\nimport { parseOptions } from '../cli/options.ts';\nimport { emulator } from '../stand-ins/emulator.ts';\n\nexport const sendTest = [cliCommand, UsageError, parseOptions, emulator];\n",
    });

    // Act
    const result = await checkImports(root);

    // Assess
    expect(result).toMatchObject({ code: 0 });
  });

  it.each(violations)('fails on %s', async (_name, planted, message) => {
    // Prepare
    await writeTree(root, planted);

    // Act
    const result = await checkImports(root);

    // Assess
    expect(result.code).toBe(1);
    expect(result.output).toContain(message);
  });
});

describe('biome.json layer overrides', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'layer-lint-'));
    await writeTree(root, CLEAN_TREE);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('passes a tree that keeps every rule', async () => {
    // Act
    const result = await biomeLint(root);

    // Assess
    expect(result.code).toBe(0);
  });

  const violations: [string, Record<string, string>, string][] = [
    [
      'a use case importing config',
      {
        'lib/use-cases/planted.ts':
          "import { env } from '../config/env.ts';\n\nexport const x = env;\n",
      },
      'Use cases depend on ports and the domain only',
    ],
    [
      'a use case importing the observability singletons',
      {
        'lib/use-cases/planted.ts':
          "import { logger } from '../observability.ts';\n\nexport const x = logger;\n",
      },
      'Use cases depend on ports and the domain only',
    ],
    [
      'a use case importing Powertools',
      {
        'lib/use-cases/planted.ts':
          "import { Logger } from '@aws-lambda-powertools/logger';\n\nexport const x = Logger;\n",
      },
      'Use cases and ports import no SDK',
    ],
    [
      'the domain importing a port',
      {
        'lib/domain/planted.ts':
          "import { queue } from '../ports/queue.ts';\n\nexport const x = queue;\n",
      },
      'lib/domain imports nothing outside lib/domain',
    ],
    [
      'a function entry importing the local stack',
      {
        'functions/planted.ts':
          "import { stack } from '../lib/local/stack.ts';\n\nexport const x = stack;\n",
      },
      'The product imports no tooling',
    ],
    [
      'an adapter importing a stand-in',
      {
        'lib/adapters/planted.ts':
          "import { emulator } from '../stand-ins/emulator.ts';\n\nexport const x = emulator;\n",
      },
      'The product imports no tooling',
    ],
    [
      'a CLI command importing the AWS SDK',
      {
        'lib/cli/commands/planted.ts':
          "import { S3Client } from '@aws-sdk/client-s3';\n\nexport const x = S3Client;\n",
      },
      'The CLI and the browser import no SDK and no adapter',
    ],
    [
      'the browser importing an adapter',
      {
        'lib/browser/planted.ts':
          "import { sqs } from '../adapters/sqs/queue.ts';\n\nexport const x = sqs;\n",
      },
      'The CLI and the browser import no SDK and no adapter',
    ],
    [
      'a CLI command importing a stand-in',
      {
        'lib/cli/commands/planted.ts':
          "import { emulator } from '../../stand-ins/emulator.ts';\n\nexport const x = emulator;\n",
      },
      'The product imports no tooling',
    ],
    [
      'the CLI importing the local stack',
      {
        'lib/cli/planted.ts':
          "import { stack } from '../local/stack.ts';\n\nexport const x = stack;\n",
      },
      'The product imports no tooling',
    ],
    [
      'the browser importing a stand-in',
      {
        'lib/browser/planted.ts':
          "import { emulator } from '../stand-ins/emulator.ts';\n\nexport const x = emulator;\n",
      },
      'The product imports no tooling',
    ],
  ];

  it.each(violations)('fails on %s', async (_name, planted, message) => {
    // Prepare
    await writeTree(root, planted);

    // Act
    const result = await biomeLint(root);

    // Assess
    expect(result.code).toBe(1);
    expect(result.output).toContain(message);
  });
});
