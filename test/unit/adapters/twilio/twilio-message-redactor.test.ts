import { describe, expect, it } from 'vitest';
import { createTwilioMessageRedactor } from '../../../../lib/adapters/twilio/twilio-message-redactor.ts';
import { ConfigurationError } from '../../../../lib/config/env.ts';
import { readArchiverConfig, readWebhookConfig } from '../../../../lib/config/lambda.ts';
import {
  ForeignAccountError,
  MessageNotRedactableYetError,
  TwilioAuthError,
  TwilioThrottledError,
  TwilioUnavailableError,
} from '../../../../lib/domain/errors.ts';

const ACCOUNT = `AC${'1'.repeat(32)}`;
const MESSAGE = `MM${'2'.repeat(32)}`;

const SUBACCOUNT = `AC${'3'.repeat(32)}`;

const redactorAnswering = (...answers: { status: number; body?: unknown }[]) => {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: URL, init: RequestInit) => {
    requests.push({ url: String(url), init });
    const answer = answers.shift() ?? { status: 500 };
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
    });
  }) as unknown as typeof globalThis.fetch;
  const redactor = createTwilioMessageRedactor({
    apiBaseUrl: 'https://api.example.test',
    accountSid: ACCOUNT,
    credentials: { username: ACCOUNT, password: 'secret' },
    isAllowedAccount: (sid) => sid === ACCOUNT || sid === SUBACCOUNT,
    fetch,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => undefined,
  });
  return { redactor, requests };
};

describe('createTwilioMessageRedactor', () => {
  it('POSTs an empty Body to the Message resource, with credentials', async () => {
    // Prepare
    const { redactor, requests } = redactorAnswering({ status: 200, body: { body: '' } });

    // Act
    const outcome = await redactor.redactBody({ accountSid: ACCOUNT, messageSid: MESSAGE });

    // Assess
    expect(outcome).toBe('redacted');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe(
      `https://api.example.test/2010-04-01/Accounts/${ACCOUNT}/Messages/${MESSAGE}.json`,
    );
    expect(requests[0]?.init.method).toBe('POST');
    expect(requests[0]?.init.body).toBe('Body=');
    expect(new Headers(requests[0]?.init.headers).get('authorization')).toMatch(/^Basic /);
  });

  it('turns 20009 into a transient error, 404 into already-gone, 429 into throttling after retries', async () => {
    // Prepare
    const inFlight = redactorAnswering({ status: 400, body: { code: 20009 } });
    const gone = redactorAnswering({ status: 404 });
    const throttled = redactorAnswering({ status: 429 }, { status: 429 });
    const ref = { accountSid: ACCOUNT, messageSid: MESSAGE };

    // Act / Assess
    await expect(inFlight.redactor.redactBody(ref)).rejects.toBeInstanceOf(
      MessageNotRedactableYetError,
    );
    await expect(gone.redactor.redactBody(ref)).resolves.toBe('already-gone');
    await expect(throttled.redactor.redactBody(ref)).rejects.toBeInstanceOf(TwilioThrottledError);
    expect(throttled.requests).toHaveLength(2);
  });

  it('redacts a served subaccount’s message at that subaccount’s path', async () => {
    // Prepare
    const { redactor, requests } = redactorAnswering({ status: 200, body: { body: '' } });

    // Act
    const outcome = await redactor.redactBody({ accountSid: SUBACCOUNT, messageSid: MESSAGE });

    // Assess
    expect(outcome).toBe('redacted');
    expect(requests.map((r) => r.url)).toEqual([
      `https://api.example.test/2010-04-01/Accounts/${SUBACCOUNT}/Messages/${MESSAGE}.json`,
    ]);
  });

  it('never addresses another account', async () => {
    // Prepare
    const { redactor, requests } = redactorAnswering({ status: 200 });

    // Act
    const attempt = redactor.redactBody({ accountSid: `AC${'9'.repeat(32)}`, messageSid: MESSAGE });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ForeignAccountError);
    expect(requests).toEqual([]);
  });
});

describe('createTwilioMessageRedactor: readBody', () => {
  const ref = { accountSid: ACCOUNT, messageSid: MESSAGE };

  it('GETs the Message as JSON, with credentials, and returns the body Twilio holds', async () => {
    // Prepare
    const { redactor, requests } = redactorAnswering({
      status: 200,
      body: { sid: MESSAGE, body: 'Claim 4711', status: 'received' },
    });

    // Act
    const held = await redactor.readBody(ref);

    // Assess
    expect(held).toEqual({ status: 'found', body: 'Claim 4711' });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url).toBe(
      `https://api.example.test/2010-04-01/Accounts/${ACCOUNT}/Messages/${MESSAGE}.json`,
    );
    expect(requests[0]?.init.method).toBe('GET');
    expect(requests[0]?.init.body).toBeUndefined();
    expect(new Headers(requests[0]?.init.headers).get('authorization')).toMatch(/^Basic /);
  });

  it('answers gone for 404, and refuses an answer that is not this message with its body', async () => {
    // Prepare
    const gone = redactorAnswering({ status: 404 });
    const otherSid = redactorAnswering({
      status: 200,
      body: { sid: `MM${'4'.repeat(32)}`, body: 'x' },
    });
    const noBody = redactorAnswering({ status: 200, body: { sid: MESSAGE, body: null } });
    const notJson = redactorAnswering({ status: 200 });

    // Act / Assess
    await expect(gone.redactor.readBody(ref)).resolves.toEqual({ status: 'gone' });
    await expect(otherSid.redactor.readBody(ref)).rejects.toBeInstanceOf(TwilioUnavailableError);
    await expect(noBody.redactor.readBody(ref)).rejects.toBeInstanceOf(TwilioUnavailableError);
    await expect(notJson.redactor.readBody(ref)).rejects.toBeInstanceOf(TwilioUnavailableError);
  });

  it('retries a throttled read and gives up on refused credentials', async () => {
    // Prepare
    const throttled = redactorAnswering(
      { status: 429 },
      { status: 200, body: { sid: MESSAGE, body: 'late' } },
    );
    const refused = redactorAnswering({ status: 401 });

    // Act
    const held = await throttled.redactor.readBody(ref);
    const attempt = refused.redactor.readBody(ref);

    // Assess
    expect(held).toEqual({ status: 'found', body: 'late' });
    expect(throttled.requests).toHaveLength(2);
    await expect(attempt).rejects.toBeInstanceOf(TwilioAuthError);
    expect(refused.requests).toHaveLength(1);
  });

  it('never reads another account’s message', async () => {
    // Prepare
    const { redactor, requests } = redactorAnswering({ status: 200 });

    // Act
    const attempt = redactor.readBody({ accountSid: `AC${'9'.repeat(32)}`, messageSid: MESSAGE });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ForeignAccountError);
    expect(requests).toEqual([]);
  });
});

describe('body and redaction settings', () => {
  const archiverEnv = {
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: 'token',
    ARCHIVE_BUCKET: 'bucket',
  };

  it('are off by default', () => {
    // Act
    const archiver = readArchiverConfig(archiverEnv);
    const webhook = readWebhookConfig({ ...archiverEnv, MEDIA_QUEUE_URL: 'https://queue' });

    // Assess
    expect(archiver.redactMessageBody).toBe(false);
    expect(webhook.archiveMessageBody).toBe(false);
  });

  it('refuse redaction without ARCHIVE_MESSAGE_BODY=true, which would destroy the only copy', () => {
    // Act / Assess
    expect(() =>
      readArchiverConfig({ ...archiverEnv, REDACT_MESSAGE_BODY_AFTER_ARCHIVE: 'true' }),
    ).toThrow(ConfigurationError);
    expect(
      readArchiverConfig({
        ...archiverEnv,
        REDACT_MESSAGE_BODY_AFTER_ARCHIVE: 'true',
        ARCHIVE_MESSAGE_BODY: 'true',
      }).redactMessageBody,
    ).toBe(true);
  });
});
