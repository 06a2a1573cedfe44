import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

type Hooks = Record<string, () => void>;
type PluginClass = new (serverless: unknown) => { hooks?: Hooks };

const StandInDeploy = createRequire(import.meta.url)(
  '../../../infra/plugins/stand-in-deploy.cjs',
) as PluginClass;

/** The part of osls the plugin touches: its plugin list, with the real AwsDeploy class name. */
const fakeServerless = () => {
  class AwsDeploy {
    validateTemplate = async () => 'validated by CloudFormation';
  }
  const deploy = new AwsDeploy();
  const logged: string[] = [];
  return {
    deploy,
    logged,
    serverless: {
      pluginManager: { plugins: [{}, deploy] },
      cli: { log: (line: string) => logged.push(line) },
    },
  };
};

const withEnv = async (env: Record<string, string | undefined>, run: () => Promise<void>) => {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    await run();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
};

describe('stand-in-deploy plugin', () => {
  it('skips ValidateTemplate when asked and the endpoint is loopback', async () => {
    await withEnv(
      { REHEARSAL_STAND_IN: '1', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' },
      async () => {
        // Prepare
        const { serverless, deploy, logged } = fakeServerless();
        const plugin = new StandInDeploy(serverless);

        // Act
        plugin.hooks?.initialize?.();

        // Assess
        await expect(deploy.validateTemplate()).resolves.toBeUndefined();
        expect(logged).toEqual([expect.stringContaining('skipped ValidateTemplate')]);
      },
    );
  });

  it.each([
    ['no flag', { REHEARSAL_STAND_IN: undefined, AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }],
    [
      'a real AWS endpoint',
      {
        REHEARSAL_STAND_IN: '1',
        AWS_ENDPOINT_URL: 'https://cloudformation.us-east-1.amazonaws.com',
      },
    ],
    ['no endpoint', { REHEARSAL_STAND_IN: '1', AWS_ENDPOINT_URL: undefined }],
  ])('leaves validation alone with %s', async (_, env) => {
    await withEnv(env, async () => {
      // Prepare
      const { serverless, deploy } = fakeServerless();

      // Act
      const plugin = new StandInDeploy(serverless);

      // Assess
      expect(plugin.hooks).toBeUndefined();
      await expect(deploy.validateTemplate()).resolves.toBe('validated by CloudFormation');
    });
  });
});
