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
  ARCHIVE_PARTICIPANT_KEY_PARAMETER: 'ARCHIVE_PARTICIPANT_KEY',
  ARCHIVE_PARTICIPANT_KEYS_PREVIOUS_PARAMETER: 'ARCHIVE_PARTICIPANT_KEYS_PREVIOUS',
  TWILIO_WEBHOOK_SHARED_KEYS_PARAMETER: 'TWILIO_WEBHOOK_SHARED_KEYS',
  EVENT_SINK_PASSWORD_PARAMETER: 'EVENT_SINK_PASSWORD',
} as const;

/** SSM could not hand over a secret the configuration names: the Lambda must not start without it. */
export class SecretResolutionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretResolutionError';
  }
}

export interface SecretsResolverOptions {
  client?: SSMClient;
  /** Called on first need instead, so local runs without parameters never create an SSM client. */
  loadClient?: () => Promise<SSMClient>;
  /** How long fetched values stay fresh; `Infinity` (default) = once per cold start. */
  maxAgeMs?: number;
  now?: () => number;
  /** Backoff between attempts of a transient SSM failure (defaults: SSM_RETRY). */
  retry?: Partial<SsmRetryPolicy>;
  /** Replaced in tests; production waits for real. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface SsmRetryPolicy {
  /** Calls in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * A burst of cold starts (a campaign's replies arriving at once) can exceed SSM's GetParameters
 * rate, and SSM answers ThrottlingException. The SDK's own three quick attempts are spent within a
 * few hundred milliseconds; waiting up to ~4 s more (250 + 500 + 1000 + 2000 ms at most) (full jitter, so the cold starts spread out)
 * stays well inside the webhook's 10 s timeout budget for the first request and saves the Lambda
 * from failing its first request or batch.
 */
export const SSM_RETRY: SsmRetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 2_000 };

/**
 * Configuration mistakes never heal by waiting: a missing grant, key or parameter fails at once,
 * with the error that names it. Everything else (throttling, 5xx, no network) is tried again.
 */
const PERMANENT_SSM_ERRORS = new Set([
  'AccessDeniedException',
  'ParameterNotFound',
  'ParameterVersionNotFound',
  'InvalidKeyId',
  'KMSAccessDeniedException',
  'UnrecognizedClientException',
  'ValidationException',
]);

const isTransient = (error: unknown): boolean => {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (name && PERMANENT_SSM_ERRORS.has(name)) return false;
  const status = $metadata?.httpStatusCode;
  return status === undefined || status === 429 || status >= 500 || name === 'ThrottlingException';
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type SecretsResolver = (env: Env) => Promise<Record<string, string | undefined>>;

/** GetParameters accepts at most 10 names per call; we have 6, but keep the contract explicit. */
const GET_PARAMETERS_LIMIT = 10;

/**
 * The SSM client loads only when a parameter is configured: the webhook's cold start never pays for
 * it locally, and in Lambda it comes from the runtime's own AWS SDK (esbuild leaves it external).
 */
const loadSsm = () => import('@aws-sdk/client-ssm');

interface Backoff {
  policy: SsmRetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const getParameters = async (
  client: SSMClient,
  names: string[],
  backoff: Backoff,
): Promise<GetParametersCommandOutput> => {
  let GetParametersCommand: typeof import('@aws-sdk/client-ssm').GetParametersCommand;
  try {
    ({ GetParametersCommand } = await loadSsm());
  } catch (error) {
    throw new SecretResolutionError('the SSM client could not be loaded', { cause: error });
  }
  const { policy } = backoff;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await client.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
    } catch (error) {
      if (attempt >= policy.attempts || !isTransient(error)) {
        const tries = attempt === 1 ? '' : ` after ${attempt} attempts`;
        throw new SecretResolutionError(`SSM GetParameters failed${tries}`, { cause: error });
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await backoff.sleep(Math.round(backoff.random() * ceiling));
    }
  }
};

const fetchParameters = async (
  client: SSMClient,
  names: readonly string[],
  backoff: Backoff,
): Promise<Map<string, string>> => {
  const values = new Map<string, string>();
  for (let start = 0; start < names.length; start += GET_PARAMETERS_LIMIT) {
    const chunk = names.slice(start, start + GET_PARAMETERS_LIMIT);
    const output = await getParameters(client, chunk, backoff);
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
  const loadClient =
    options.loadClient ??
    (() => Promise.reject(new SecretResolutionError('no SSM client to read the parameters with')));
  const backoff: Backoff = {
    policy: { ...SSM_RETRY, ...options.retry },
    sleep: options.sleep ?? defaultSleep,
    random: options.random ?? Math.random,
  };
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
        client ??= await loadClient();
        return fetchParameters(client, names, backoff);
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
