import type { GetParametersCommandOutput, SSMClient } from '@aws-sdk/client-ssm';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `<NAME>_PARAMETER` holds the name of an SSM SecureString whose value becomes `<NAME>`. Production
 * templates carry only these names, so no secret ever sits in a Lambda's configuration; local runs
 * set the plain variables and never reach SSM.
 */
export const SECRET_PARAMETERS = {
  TWILIO_AUTH_TOKEN_PARAMETER: 'TWILIO_AUTH_TOKEN',
  TWILIO_AUTH_TOKEN_PREVIOUS_PARAMETER: 'TWILIO_AUTH_TOKEN_PREVIOUS',
  TWILIO_API_KEY_SECRET_PARAMETER: 'TWILIO_API_KEY_SECRET',
} as const;

/** SSM could not hand over a secret the configuration names: the Lambda must not start without it. */
export class SecretResolutionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretResolutionError';
  }
}

export interface SecretsResolverOptions {
  /** Built lazily on first need, so local runs without parameters never create an SSM client. */
  client?: SSMClient;
  /** How long fetched values stay fresh; `Infinity` (default) = once per cold start. */
  maxAgeMs?: number;
  now?: () => number;
}

export type SecretsResolver = (env: Env) => Promise<Record<string, string | undefined>>;

/** GetParameters accepts at most 10 names per call; we have 3, but keep the contract explicit. */
const GET_PARAMETERS_LIMIT = 10;

/**
 * The SSM client loads only when a parameter is configured: the webhook's cold start never pays for
 * it locally, and in Lambda it comes from the runtime's own AWS SDK (esbuild leaves it external).
 */
const loadSsm = () => import('@aws-sdk/client-ssm');

const fetchParameters = async (
  client: SSMClient,
  names: readonly string[],
): Promise<Map<string, string>> => {
  const values = new Map<string, string>();
  for (let start = 0; start < names.length; start += GET_PARAMETERS_LIMIT) {
    const chunk = names.slice(start, start + GET_PARAMETERS_LIMIT);
    let output: GetParametersCommandOutput;
    try {
      const { GetParametersCommand } = await loadSsm();
      output = await client.send(new GetParametersCommand({ Names: chunk, WithDecryption: true }));
    } catch (error) {
      throw new SecretResolutionError('SSM GetParameters failed', { cause: error });
    }
    if (output.InvalidParameters?.length) {
      // Parameter names are not secret; naming them is what makes the failure fixable.
      throw new SecretResolutionError(
        `SSM parameters not found: ${output.InvalidParameters.join(', ')}`,
      );
    }
    for (const parameter of output.Parameters ?? []) {
      if (parameter.Name !== undefined && parameter.Value !== undefined) {
        values.set(parameter.Name, parameter.Value);
      }
    }
  }
  const missing = names.filter((name) => !values.has(name));
  if (missing.length > 0) {
    throw new SecretResolutionError(`SSM returned no value for: ${missing.join(', ')}`);
  }
  return values;
};

/**
 * Returns a function that overlays secrets from SSM onto an env-like object, for the readers in
 * config.ts. A value fetched from SSM wins over a plain variable of the same name. Concurrent and
 * later calls share one fetch while it is fresh; a failed fetch is not cached.
 */
export const createSecretsResolver = (options: SecretsResolverOptions = {}): SecretsResolver => {
  const maxAgeMs = options.maxAgeMs ?? Number.POSITIVE_INFINITY;
  const now = options.now ?? Date.now;
  let client = options.client;
  let cache: { key: string; fetchedAt: number; values: Promise<Map<string, string>> } | undefined;

  return async (env) => {
    const wanted = Object.entries(SECRET_PARAMETERS).flatMap(([parameterVariable, target]) => {
      const name = env[parameterVariable]?.trim();
      return name ? [{ target, name }] : [];
    });
    if (wanted.length === 0) return { ...env };

    const names = [...new Set(wanted.map((entry) => entry.name))].sort();
    const key = names.join('\n');
    if (!cache || cache.key !== key || now() - cache.fetchedAt >= maxAgeMs) {
      const values = (async () => {
        client ??= new (await loadSsm()).SSMClient({});
        return fetchParameters(client, names);
      })();
      const entry = { key, fetchedAt: now(), values };
      cache = entry;
      values.catch(() => {
        if (cache === entry) cache = undefined;
      });
    }
    const values = await cache.values;

    const overlay: Record<string, string | undefined> = { ...env };
    for (const { target, name } of wanted) overlay[target] = values.get(name);
    return overlay;
  };
};

/** The process-wide resolver the Lambda composition roots use (top-level await at cold start). */
export const resolveSecrets: SecretsResolver = createSecretsResolver();
