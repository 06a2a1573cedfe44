import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSecretsResolver,
  SecretResolutionError,
} from '../../../../lib/adapters/ssm/ssm-secrets.ts';
import { readArchiverConfig, readWebhookConfig } from '../../../../lib/config/lambda.ts';

const ACCOUNT = `AC${'1'.repeat(32)}`;
const TOKEN_NAME = '/twilio-media-archiver/test/twilio-auth-token';
const PREVIOUS_NAME = '/twilio-media-archiver/test/twilio-auth-token-previous';
const KEY_SECRET_NAME = '/twilio-media-archiver/test/twilio-api-key-secret';

const ssm = mockClient(SSMClient);
const newClient = () => new SSMClient({ region: 'us-east-1' });

/** Answers GetParameters from a fixed store, the way SSM does (unknown names → InvalidParameters). */
const serveParameters = (store: Record<string, string>) =>
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.filter((name) => name in store).map((name) => ({
      Name: name,
      Value: store[name],
      Type: 'SecureString',
    })),
    InvalidParameters: input.Names.filter((name) => !(name in store)),
  }));

afterEach(() => {
  ssm.reset();
});

describe('createSecretsResolver', () => {
  it('overlays decrypted SSM values that the webhook config reader accepts', async () => {
    // Prepare
    serveParameters({ [TOKEN_NAME]: 'primary-token', [PREVIOUS_NAME]: 'previous-token' });
    const resolve = createSecretsResolver({ client: newClient() });
    const env = {
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_NAME,
      TWILIO_AUTH_TOKEN_PREVIOUS_PARAMETER: PREVIOUS_NAME,
      MEDIA_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/media',
    };

    // Act
    const resolved = await resolve(env);

    // Assess
    expect(readWebhookConfig(resolved).authTokens).toEqual(['primary-token', 'previous-token']);
    const calls = ssm.commandCalls(GetParametersCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Names: [TOKEN_NAME, PREVIOUS_NAME].sort(),
      WithDecryption: true,
    });
  });

  it('overlays the webhook shared keys from their SecureString', async () => {
    // Prepare
    const keysName = '/twilio-media-archiver/test/webhook-shared-keys';
    serveParameters({ [TOKEN_NAME]: 'primary-token', [keysName]: 'KS1=first,KS2=second' });
    const resolve = createSecretsResolver({ client: newClient() });

    // Act
    const resolved = await resolve({
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_NAME,
      TWILIO_WEBHOOK_SHARED_KEYS_PARAMETER: keysName,
      MEDIA_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/media',
    });

    // Assess
    const keys = readWebhookConfig(resolved).sharedKeys?.get(ACCOUNT);
    expect([...(keys?.entries() ?? [])]).toEqual([
      ['KS1', 'first'],
      ['KS2', 'second'],
    ]);
  });

  it('resolves the API key secret for the archiver config reader', async () => {
    // Prepare
    serveParameters({ [KEY_SECRET_NAME]: 'key-secret' });
    const resolve = createSecretsResolver({ client: newClient() });

    // Act
    const resolved = await resolve({
      TWILIO_ACCOUNT_SID: ACCOUNT,
      ARCHIVE_BUCKET: 'archive',
      TWILIO_API_KEY_SID: `SK${'2'.repeat(32)}`,
      TWILIO_API_KEY_SECRET_PARAMETER: KEY_SECRET_NAME,
      // A blank name is how the template says "not used": it must not reach SSM.
      TWILIO_AUTH_TOKEN_PARAMETER: '',
    });

    // Assess
    expect(readArchiverConfig(resolved).credentials).toEqual({
      username: `SK${'2'.repeat(32)}`,
      password: 'key-secret',
    });
    expect(ssm.commandCalls(GetParametersCommand)[0]?.args[0].input.Names).toEqual([
      KEY_SECRET_NAME,
    ]);
  });

  it('leaves a local environment untouched and never calls SSM', async () => {
    // Prepare
    const resolve = createSecretsResolver({ client: newClient() });
    const env = { TWILIO_AUTH_TOKEN: 'local-token', TWILIO_AUTH_TOKEN_PREVIOUS: undefined };

    // Act
    const resolved = await resolve(env);

    // Assess
    expect(resolved).toEqual(env);
    expect(resolved).not.toBe(env);
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(0);
  });

  it('lets the SSM value win over a plain variable of the same name', async () => {
    // Prepare
    serveParameters({ [TOKEN_NAME]: 'from-ssm' });
    const resolve = createSecretsResolver({ client: newClient() });

    // Act
    const resolved = await resolve({
      TWILIO_AUTH_TOKEN: 'stale',
      TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_NAME,
    });

    // Assess
    expect(resolved.TWILIO_AUTH_TOKEN).toBe('from-ssm');
  });

  it('fetches once per cold start, even for concurrent callers', async () => {
    // Prepare
    serveParameters({ [TOKEN_NAME]: 'primary-token' });
    const resolve = createSecretsResolver({ client: newClient() });
    const env = { TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_NAME };

    // Act
    const results = await Promise.all([resolve(env), resolve(env)]);
    const later = await resolve(env);

    // Assess
    expect(results.map((result) => result.TWILIO_AUTH_TOKEN)).toEqual([
      'primary-token',
      'primary-token',
    ]);
    expect(later.TWILIO_AUTH_TOKEN).toBe('primary-token');
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
  });

  it('fetches again once the cached values are older than maxAgeMs', async () => {
    // Prepare
    serveParameters({ [TOKEN_NAME]: 'first' });
    let clock = 1_000;
    const resolve = createSecretsResolver({
      client: newClient(),
      maxAgeMs: 60_000,
      now: () => clock,
    });
    const env = { TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_NAME };
    await resolve(env);
    serveParameters({ [TOKEN_NAME]: 'rotated' });

    // Act
    clock += 59_999;
    const fresh = await resolve(env);
    clock += 1;
    const refetched = await resolve(env);

    // Assess
    expect(fresh.TWILIO_AUTH_TOKEN).toBe('first');
    expect(refetched.TWILIO_AUTH_TOKEN).toBe('rotated');
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(2);
  });

  it('names missing parameters, without any value, and does not cache the failure', async () => {
    // Prepare
    serveParameters({ [TOKEN_NAME]: 'primary-token' });
    const resolve = createSecretsResolver({ client: newClient() });
    const env = {
      TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_NAME,
      TWILIO_AUTH_TOKEN_PREVIOUS_PARAMETER: PREVIOUS_NAME,
    };

    // Act
    const failure = resolve(env);

    // Assess
    await expect(failure).rejects.toThrow(SecretResolutionError);
    await expect(failure).rejects.toThrow(PREVIOUS_NAME);
    await expect(failure).rejects.not.toThrow('primary-token');
    serveParameters({ [TOKEN_NAME]: 'primary-token', [PREVIOUS_NAME]: 'previous-token' });
    await expect(resolve(env)).resolves.toMatchObject({
      TWILIO_AUTH_TOKEN_PREVIOUS: 'previous-token',
    });
  });

  it('wraps SDK failures (throttling, no network) in SecretResolutionError', async () => {
    // Prepare
    ssm.on(GetParametersCommand).rejects(new Error('ThrottlingException'));
    const resolve = createSecretsResolver({ client: newClient(), sleep: async () => undefined });

    // Act
    const failure = resolve({ TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_NAME });

    // Assess
    await expect(failure).rejects.toThrow(SecretResolutionError);
    await expect(failure).rejects.toMatchObject({ cause: expect.any(Error) });
  });

  it('waits and asks again while SSM throttles, then starts with the values', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    ssm
      .on(GetParametersCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .resolves({ Parameters: [{ Name: TOKEN_NAME, Value: 'primary-token' }] });
    const waits: number[] = [];
    const resolve = createSecretsResolver({
      client: newClient(),
      retry: { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 },
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 1,
    });

    // Act
    const resolved = await resolve({ TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_NAME });

    // Assess
    expect(resolved.TWILIO_AUTH_TOKEN).toBe('primary-token');
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(3);
    // Exponential ceilings (full jitter at its top: random() = 1).
    expect(waits).toEqual([100, 200]);
  });

  it('gives up after the configured attempts with the last error as the cause', async () => {
    // Prepare
    const unavailable = Object.assign(new Error('Service Unavailable'), {
      name: 'InternalServerError',
      $metadata: { httpStatusCode: 503 },
    });
    ssm.on(GetParametersCommand).rejects(unavailable);
    const waits: number[] = [];
    const resolve = createSecretsResolver({
      client: newClient(),
      retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 250 },
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 1,
    });

    // Act
    const failure = resolve({ TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_NAME });

    // Assess
    await expect(failure).rejects.toThrow('SSM GetParameters failed after 4 attempts');
    await expect(failure).rejects.toMatchObject({ cause: unavailable });
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(4);
    expect(waits).toEqual([100, 200, 250]);
  });

  it('fails at once on a configuration error that waiting cannot fix', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized to perform ssm:GetParameters'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    ssm.on(GetParametersCommand).rejects(denied);
    const waits: number[] = [];
    const resolve = createSecretsResolver({
      client: newClient(),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    // Act
    const failure = resolve({ TWILIO_AUTH_TOKEN_PARAMETER: TOKEN_NAME });

    // Assess
    await expect(failure).rejects.toMatchObject({
      name: 'SecretResolutionError',
      message: 'SSM GetParameters failed',
      cause: denied,
    });
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});
