import { describe, expect, it } from 'vitest';
import { readBackfillConfig } from '../../../lib/config/cli.ts';
import { ConfigurationError } from '../../../lib/config/env.ts';
import {
  readArchiverConfig,
  readEventsConfig,
  readWebhookConfig,
} from '../../../lib/config/lambda.ts';

const ACCOUNT = `AC${'1'.repeat(32)}`;

describe('readWebhookConfig', () => {
  it('serves only the main account by default and reads TWILIO_SUBACCOUNTS', () => {
    // Prepare
    const env = {
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN: 'primary',
      MEDIA_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/media',
    };
    const sub = `AC${'9'.repeat(32)}`;

    // Act
    const single = readWebhookConfig(env);
    const all = readWebhookConfig({ ...env, TWILIO_SUBACCOUNTS: 'all' });
    const listed = readWebhookConfig({ ...env, TWILIO_SUBACCOUNTS: `${ACCOUNT},${sub}` });

    // Assess
    expect(single.subaccounts).toEqual({ kind: 'none' });
    expect(single.twilioApiBaseUrl).toBe('https://api.twilio.com');
    expect(all.subaccounts).toEqual({ kind: 'all' });
    expect(listed.subaccounts).toEqual({ kind: 'list', sids: [sub] });
    expect(() => readWebhookConfig({ ...env, TWILIO_SUBACCOUNTS: 'some' })).toThrow(
      /TWILIO_SUBACCOUNTS: entry 1 is not an AC/,
    );
  });

  it('reads the primary and previous tokens in that order', () => {
    // Act
    const config = readWebhookConfig({
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN: 'primary',
      TWILIO_AUTH_TOKEN_PREVIOUS: 'previous',
      MEDIA_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/media',
    });

    // Assess
    expect(config.authTokens).toEqual(['primary', 'previous']);
    expect(config.archiveAddresses).toBe(false);
    expect(config.publicWebhookUrl).toBeUndefined();
  });

  it.each([
    [{}, 'TWILIO_ACCOUNT_SID is required'],
    [{ TWILIO_ACCOUNT_SID: 'ACnope' }, 'not an AC'],
    [{ TWILIO_ACCOUNT_SID: ACCOUNT, MEDIA_QUEUE_URL: 'q' }, 'TWILIO_AUTH_TOKEN is required'],
    [
      {
        TWILIO_ACCOUNT_SID: ACCOUNT,
        TWILIO_AUTH_TOKEN: 't',
        MEDIA_QUEUE_URL: 'q',
        PUBLIC_WEBHOOK_URL: 'ftp://x',
      },
      'PUBLIC_WEBHOOK_URL',
    ],
  ])('fails fast on %j', (env, message) => {
    expect(() => readWebhookConfig(env)).toThrow(ConfigurationError);
    expect(() => readWebhookConfig(env)).toThrow(message);
  });
});

describe('readWebhookConfig shared keys', () => {
  const env = {
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: 'primary',
    MEDIA_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/media',
  };
  const sub = `AC${'9'.repeat(32)}`;

  it('has no shared keys unless TWILIO_WEBHOOK_SHARED_KEYS names some', () => {
    // Act + Assess
    expect(readWebhookConfig(env).sharedKeys).toBeUndefined();
    expect(
      readWebhookConfig({ ...env, TWILIO_WEBHOOK_SHARED_KEYS: ' ' }).sharedKeys,
    ).toBeUndefined();
  });

  it("reads the main account's keys and a served subaccount's", () => {
    // Act
    const config = readWebhookConfig({
      ...env,
      TWILIO_SUBACCOUNTS: sub,
      TWILIO_WEBHOOK_SHARED_KEYS: `KS1=one,${sub}:KS2=two`,
    });

    // Assess
    expect(config.sharedKeys?.get(ACCOUNT)?.get('KS1')).toBe('one');
    expect(config.sharedKeys?.get(sub)?.get('KS2')).toBe('two');
  });

  it.each([
    [{ TWILIO_WEBHOOK_SHARED_KEYS: 'KS1' }, 'TWILIO_WEBHOOK_SHARED_KEYS: entry 1 is not'],
    [
      { TWILIO_WEBHOOK_SHARED_KEYS: `${sub}:KS2=two` },
      `TWILIO_WEBHOOK_SHARED_KEYS names accounts TWILIO_SUBACCOUNTS does not serve: ${sub}`,
    ],
  ])('refuses %j at cold start, without echoing a secret', (extra, message) => {
    // Act
    const attempt = () => readWebhookConfig({ ...env, ...extra });

    // Assess
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(message);
  });

  it('takes keys for any subaccount under TWILIO_SUBACCOUNTS=all', () => {
    // Act
    const config = readWebhookConfig({
      ...env,
      TWILIO_SUBACCOUNTS: 'all',
      TWILIO_WEBHOOK_SHARED_KEYS: `${sub}:KS2=two`,
    });

    // Assess
    expect([...(config.sharedKeys?.keys() ?? [])]).toEqual([sub]);
  });
});

describe('readArchiverConfig', () => {
  const base = {
    TWILIO_ACCOUNT_SID: ACCOUNT,
    ARCHIVE_BUCKET: 'bucket',
    TWILIO_AUTH_TOKEN: 'token',
  };

  it('applies the documented defaults', () => {
    // Act
    const config = readArchiverConfig(base);

    // Assess
    expect(config).toMatchObject({
      archivePrefix: 'media/',
      twilioApiBaseUrl: 'https://api.twilio.com',
      maxMediaBytes: 16 * 1024 * 1024,
      deleteAfterArchive: true,
      s3ForcePathStyle: false,
      concurrency: 5,
      credentials: { username: ACCOUNT, password: 'token' },
    });
  });

  it('prefers an API key over the auth token', () => {
    // Act
    const config = readArchiverConfig({
      ...base,
      TWILIO_API_KEY_SID: `SK${'2'.repeat(32)}`,
      TWILIO_API_KEY_SECRET: 'secret',
    });

    // Assess
    expect(config.credentials).toEqual({ username: `SK${'2'.repeat(32)}`, password: 'secret' });
  });

  it('normalises the prefix and the base URL', () => {
    // Act
    const config = readArchiverConfig({
      ...base,
      ARCHIVE_PREFIX: 'archive',
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010/',
    });

    // Assess
    expect(config.archivePrefix).toBe('archive/');
    expect(config.twilioApiBaseUrl).toBe('http://127.0.0.1:4010');
  });

  it.each([
    [{ ...base, DELETE_AFTER_ARCHIVE: 'maybe' }, 'DELETE_AFTER_ARCHIVE'],
    [{ ...base, ARCHIVER_CONCURRENCY: '0' }, 'ARCHIVER_CONCURRENCY'],
    [{ ...base, TWILIO_API_KEY_SID: `SK${'2'.repeat(32)}` }, 'go together'],
    [{ ...base, ARCHIVE_PREFIX: '../x/' }, 'ARCHIVE_PREFIX'],
    [{ TWILIO_ACCOUNT_SID: ACCOUNT, ARCHIVE_BUCKET: 'b' }, 'credentials missing'],
  ])('fails fast on %j', (env, message) => {
    expect(() => readArchiverConfig(env)).toThrow(message);
  });
});

describe('readArchiverConfig media origins', () => {
  const base = {
    TWILIO_ACCOUNT_SID: ACCOUNT,
    ARCHIVE_BUCKET: 'bucket',
    TWILIO_AUTH_TOKEN: 'token',
  };

  it("defaults to Twilio's media hosts, https only", () => {
    // Act
    const config = readArchiverConfig(base);

    // Assess
    expect(config.twilioMediaOrigins).toEqual([
      'https://mms.twiliocdn.com',
      'https://media.twiliocdn.com',
      'https://s3-external-1.amazonaws.com',
    ]);
  });

  it('reads a comma-separated list with wildcards, normalised', () => {
    // Act
    const config = readArchiverConfig({
      ...base,
      TWILIO_MEDIA_ORIGINS:
        ' https://*.TwilioCDN.com , http://127.0.0.1:4011/,https://cdn.example.com:8443 ',
    });

    // Assess
    expect(config.twilioMediaOrigins).toEqual([
      'https://*.twiliocdn.com',
      'http://127.0.0.1:4011',
      'https://cdn.example.com:8443',
    ]);
  });

  it.each([
    ['http://mms.twiliocdn.com', 'must be https'],
    ['http://*.twiliocdn.com', 'must be https'],
    ['http://10.0.0.5:8080', 'must be https'],
    ['https://*.com', 'wildcard'],
    ['https://*.10.0.0.1', 'TWILIO_MEDIA_ORIGINS'],
    ['https://mms*.twiliocdn.com', 'leftmost label'],
    ['https://user:pw@mms.twiliocdn.com', 'credentials'],
    ['https://mms.twiliocdn.com/v1', 'origin only'],
    ['https://mms.twiliocdn.com?x=1', 'origin only'],
    ['ftp://mms.twiliocdn.com', 'must be https'],
    ['mms.twiliocdn.com', 'not an origin'],
    [' , ', 'no media origin'],
  ])('refuses TWILIO_MEDIA_ORIGINS=%j', (value, message) => {
    expect(() => readArchiverConfig({ ...base, TWILIO_MEDIA_ORIGINS: value })).toThrow(
      ConfigurationError,
    );
    expect(() => readArchiverConfig({ ...base, TWILIO_MEDIA_ORIGINS: value })).toThrow(message);
  });

  it('refuses a media origin that covers the Twilio API origin', () => {
    expect(() =>
      readArchiverConfig({ ...base, TWILIO_MEDIA_ORIGINS: 'https://*.twilio.com' }),
    ).toThrow('must not include the Twilio API origin');
  });
});

describe('readBackfillConfig media origins', () => {
  const env = { TWILIO_ACCOUNT_SID: ACCOUNT, TWILIO_AUTH_TOKEN: 'token' };

  it("--local against the emulator: the emulator's CDN port is the media origin", () => {
    // Act
    const config = readBackfillConfig(
      { local: true, demoCredentials: { accountSid: ACCOUNT, authToken: 'token' } },
      { ...env, LOCAL_TWILIO_CDN_PORT: '5011' },
    );

    // Assess
    expect(config.archiver.twilioMediaOrigins).toEqual(['http://127.0.0.1:5011']);
  });

  it("--local with no credentials configured: the emulator's own demo account", () => {
    // Act
    const config = readBackfillConfig(
      { local: true, demoCredentials: { accountSid: ACCOUNT, authToken: 'demo' } },
      { LOCAL_TWILIO_PORT: '5010' },
    );

    // Assess
    expect(config.archiver.twilioApiBaseUrl).toBe('http://127.0.0.1:5010');
    expect(config.archiver.credentials).toEqual({ username: ACCOUNT, password: 'demo' });
  });

  it.each([
    ['no demo account', undefined],
    ['another demo account', { accountSid: ACCOUNT, authToken: 'other' }],
  ])('--local with real credentials (%s) never sends them to the emulator port', (_, demo) => {
    // Act
    const config = readBackfillConfig(
      { local: true, ...(demo ? { demoCredentials: demo } : {}) },
      { ...env, LOCAL_TWILIO_PORT: '5010' },
    );

    // Assess
    expect(config.archiver.twilioApiBaseUrl).toBe('https://api.twilio.com');
    expect(config.archiver.twilioMediaOrigins).toContain('https://mms.twiliocdn.com');
  });

  it("--local against real Twilio (TWILIO_API_BASE_URL set): Twilio's media hosts", () => {
    // Act
    const config = readBackfillConfig(
      { local: true },
      { ...env, TWILIO_API_BASE_URL: 'https://api.twilio.com' },
    );

    // Assess
    expect(config.archiver.twilioMediaOrigins).toContain('https://mms.twiliocdn.com');
  });

  it('on AWS: TWILIO_MEDIA_ORIGINS as given', () => {
    // Act
    const config = readBackfillConfig(
      { local: false },
      { ...env, ARCHIVE_BUCKET: 'b', TWILIO_MEDIA_ORIGINS: 'https://*.twiliocdn.com' },
    );

    // Assess
    expect(config.archiver.twilioMediaOrigins).toEqual(['https://*.twiliocdn.com']);
  });
});

describe('readArchiverConfig spool budget', () => {
  const base = {
    TWILIO_ACCOUNT_SID: ACCOUNT,
    ARCHIVE_BUCKET: 'bucket',
    TWILIO_AUTH_TOKEN: 'token',
  };

  it.each([
    ['0', 0],
    ['65536', 65_536],
  ])('reads SPOOL_MEMORY_BYTES=%s', (value, expected) => {
    expect(readArchiverConfig({ ...base, SPOOL_MEMORY_BYTES: value }).spoolMemoryBytes).toBe(
      expected,
    );
  });

  it('refuses a budget that is not a byte count', () => {
    expect(() => readArchiverConfig({ ...base, SPOOL_MEMORY_BYTES: '1.5' })).toThrow(
      'SPOOL_MEMORY_BYTES',
    );
  });
});

describe('readEventsConfig', () => {
  const env = {
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: 'primary',
    ARCHIVE_BUCKET: 'archive',
    MEDIA_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/media',
  };

  it('serves no webhook sink without credentials, and checks signatures by default', () => {
    const config = readEventsConfig(env);
    expect(config.sink).toBeUndefined();
    expect(config.signature).toBe('required');
    expect(config.webhookDeadlineMs).toBe(4000);
  });

  it('takes the sink credentials together, with a password of at least 16 characters', () => {
    const pair = { EVENT_SINK_USERNAME: 'twilio', EVENT_SINK_PASSWORD: 'p'.repeat(16) };
    expect(readEventsConfig({ ...env, ...pair }).sink).toEqual({
      username: 'twilio',
      password: 'p'.repeat(16),
    });
    expect(() => readEventsConfig({ ...env, EVENT_SINK_USERNAME: 'twilio' })).toThrow(
      /go together/,
    );
    expect(() => readEventsConfig({ ...env, ...pair, EVENT_SINK_PASSWORD: 'short' })).toThrow(
      /at least 16/,
    );
  });

  it('needs the auth token to check signatures, unless EVENT_SINK_SIGNATURE=off', () => {
    const keyOnly = {
      ...env,
      TWILIO_AUTH_TOKEN: '',
      TWILIO_API_KEY_SID: `SK${'2'.repeat(32)}`,
      TWILIO_API_KEY_SECRET: 'secret',
      EVENT_SINK_USERNAME: 'twilio',
      EVENT_SINK_PASSWORD: 'p'.repeat(16),
    };
    expect(() => readEventsConfig(keyOnly)).toThrow(ConfigurationError);
    expect(readEventsConfig({ ...keyOnly, EVENT_SINK_SIGNATURE: 'off' }).signature).toBe('off');
    expect(() => readEventsConfig({ ...env, EVENT_SINK_SIGNATURE: 'maybe' })).toThrow(
      /required or off/,
    );
  });
});
