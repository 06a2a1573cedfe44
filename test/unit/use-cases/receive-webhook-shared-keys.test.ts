import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../../../lib/config/lambda.ts';
import { SignatureMismatchError } from '../../../lib/domain/webhook-errors.ts';
import { parseSharedKeys } from '../../../lib/domain/webhook-shared-keys.ts';
import type { AccountTokens } from '../../../lib/ports/pipeline.ts';
import { receiveWebhook, type WebhookRequest } from '../../../lib/use-cases/receive-webhook.ts';
import { FakeJobQueue } from '../../helpers/fake-job-queue.ts';
import {
  buildMmsFields,
  type FormFields,
  signWebhook,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  testMediaSid,
} from '../../helpers/twilio-webhook.ts';

const URL = 'https://hooks.example.com/twilio/messages';
const SUB = `AC${'b'.repeat(32)}`;
const MAIN_KEY = { id: 'KSmain', secret: 'main-shared-secret' };
const NEXT_KEY = { id: 'KSnext', secret: 'next-shared-secret' };
const SUB_KEY = { id: 'KSsub', secret: 'sub-shared-secret' };

const setup = () => {
  const queue = new FakeJobQueue();
  const lookups: string[] = [];
  const tokens: AccountTokens = {
    tokensFor: async (sid) => {
      lookups.push(sid);
      return sid === TEST_ACCOUNT_SID ? [TEST_AUTH_TOKEN] : sid === SUB ? ['sub-token'] : undefined;
    },
  };
  const config: WebhookConfig = {
    accountSid: TEST_ACCOUNT_SID,
    authTokens: [TEST_AUTH_TOKEN],
    sharedKeys: parseSharedKeys(
      `${MAIN_KEY.id}=${MAIN_KEY.secret},${NEXT_KEY.id}=${NEXT_KEY.secret},${SUB}:${SUB_KEY.id}=${SUB_KEY.secret}`,
      TEST_ACCOUNT_SID,
    ),
    mediaQueueUrl: 'http://127.0.0.1:1/000000000000/media',
    archiveAddresses: false,
  };
  return { queue, lookups, deps: { queue, tokens, config } };
};
const fieldsFor = (accountSid = TEST_ACCOUNT_SID): FormFields =>
  buildMmsFields({ accountSid, media: [{ mediaSid: testMediaSid(1), contentType: 'image/jpeg' }] });

/** Signed by Twilio's own library, with the settings header Twilio sends. */
const sharedKeyRequest = (options: {
  key: { id: string; secret: string };
  algorithm: 'HMAC_SHA1' | 'HMAC_SHA256';
  fields?: FormFields;
  header?: string;
}): WebhookRequest => {
  const fields = options.fields ?? fieldsFor();
  return {
    url: URL,
    fields,
    signature: twilio.getExpectedTwilioSignature(
      options.key.secret,
      URL,
      fields,
      options.algorithm,
    ),
    signatureSettings: options.header ?? `key=${options.key.id},algorithm=${options.algorithm}`,
  };
};

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(SignatureMismatchError);
  return (error as SignatureMismatchError).logReason;
};

describe('receiveWebhook with shared keys', () => {
  it.each(['HMAC_SHA256', 'HMAC_SHA1'] as const)(
    'enqueues a %s shared-key-signed message without a token lookup',
    async (algorithm) => {
      // Prepare
      const { queue, lookups, deps } = setup();

      // Act
      const jobs = await receiveWebhook(deps, sharedKeyRequest({ key: MAIN_KEY, algorithm }));

      // Assess
      expect(jobs.map((job) => job.mediaSid)).toEqual([testMediaSid(1)]);
      expect(queue.jobs).toEqual(jobs);
      expect(lookups).toEqual([]);
    },
  );

  it('accepts either key during a rotation, each by its own id', async () => {
    // Prepare
    const { queue, deps } = setup();

    // Act
    await receiveWebhook(deps, sharedKeyRequest({ key: MAIN_KEY, algorithm: 'HMAC_SHA256' }));
    await receiveWebhook(deps, sharedKeyRequest({ key: NEXT_KEY, algorithm: 'HMAC_SHA256' }));

    // Assess
    expect(queue.calls).toHaveLength(2);
  });

  it('refuses a key id that is not configured, naming it in the log', async () => {
    // Prepare
    const { queue, deps } = setup();
    const request = sharedKeyRequest({
      key: { id: 'KSunknown', secret: MAIN_KEY.secret },
      algorithm: 'HMAC_SHA256',
    });

    // Act
    const reason = await refusal(receiveWebhook(deps, request));

    // Assess
    expect(reason).toContain('key KSunknown is not configured for this account');
    expect(reason).not.toContain(MAIN_KEY.secret);
    expect(queue.calls).toEqual([]);
  });

  it('never lets the auth token stand in for a named key', async () => {
    // Prepare
    const { queue, deps } = setup();
    const fields = fieldsFor();
    const request: WebhookRequest = {
      url: URL,
      fields,
      signature: signWebhook(URL, TEST_AUTH_TOKEN, fields),
      signatureSettings: `key=KSunknown,algorithm=HMAC_SHA1`,
    };

    // Act
    const reason = await refusal(receiveWebhook(deps, request));

    // Assess
    expect(reason).toContain('not configured');
    expect(queue.calls).toEqual([]);
  });

  it('refuses a signature made with another key than the one named', async () => {
    // Prepare
    const { deps } = setup();
    const request = {
      ...sharedKeyRequest({ key: NEXT_KEY, algorithm: 'HMAC_SHA256' }),
      signatureSettings: `key=${MAIN_KEY.id},algorithm=HMAC_SHA256`,
    };

    // Act
    const reason = await refusal(receiveWebhook(deps, request));

    // Assess
    expect(reason).toContain(`signature does not match key ${MAIN_KEY.id} (HMAC_SHA256)`);
  });

  it('refuses a SHA-1 signature presented as SHA-256', async () => {
    // Prepare
    const { deps } = setup();
    const request = sharedKeyRequest({
      key: MAIN_KEY,
      algorithm: 'HMAC_SHA1',
      header: `key=${MAIN_KEY.id},algorithm=HMAC_SHA256`,
    });

    // Act + Assess
    await refusal(receiveWebhook(deps, request));
  });

  it('refuses settings it cannot honour instead of trying the auth token', async () => {
    // Prepare
    const { lookups, deps } = setup();
    const fields = fieldsFor();
    const request: WebhookRequest = {
      url: URL,
      fields,
      signature: signWebhook(URL, TEST_AUTH_TOKEN, fields),
      signatureSettings: `key=${MAIN_KEY.id},algorithm=HMAC_SHA512`,
    };

    // Act
    const reason = await refusal(receiveWebhook(deps, request));

    // Assess
    expect(reason).toContain('signature settings unsupported algorithm');
    expect(lookups).toEqual([]);
  });

  it("validates a subaccount's webhook with that subaccount's key only", async () => {
    // Prepare
    const { queue, deps } = setup();
    const own = sharedKeyRequest({
      key: SUB_KEY,
      algorithm: 'HMAC_SHA256',
      fields: fieldsFor(SUB),
    });
    const mainKeyOnSub = sharedKeyRequest({
      key: MAIN_KEY,
      algorithm: 'HMAC_SHA256',
      fields: fieldsFor(SUB),
    });
    const subKeyOnMain = sharedKeyRequest({ key: SUB_KEY, algorithm: 'HMAC_SHA256' });

    // Act
    const jobs = await receiveWebhook(deps, own);
    const mainKeyReason = await refusal(receiveWebhook(deps, mainKeyOnSub));
    const subKeyReason = await refusal(receiveWebhook(deps, subKeyOnMain));

    // Assess
    expect(jobs[0]?.accountSid).toBe(SUB);
    expect(queue.calls).toHaveLength(1);
    expect(mainKeyReason).toContain('not configured');
    expect(subKeyReason).toContain('not configured');
  });

  it('keeps validating with the auth token when the settings header is absent', async () => {
    // Prepare
    const { queue, lookups, deps } = setup();
    const fields = fieldsFor();
    const tokenSigned = { url: URL, fields, signature: signWebhook(URL, TEST_AUTH_TOKEN, fields) };
    const keySignedWithoutHeader = {
      ...sharedKeyRequest({ key: MAIN_KEY, algorithm: 'HMAC_SHA1' }),
      signatureSettings: undefined,
    };

    // Act
    await receiveWebhook(deps, tokenSigned);
    const error = await receiveWebhook(deps, keySignedWithoutHeader).catch((caught) => caught);

    // Assess
    expect(queue.calls).toHaveLength(1);
    expect(lookups).toEqual([TEST_ACCOUNT_SID, TEST_ACCOUNT_SID]);
    expect(error).toBeInstanceOf(SignatureMismatchError);
    expect(error.logReason).toContain('wrong auth token');
  });

  it('refuses a named key when no shared keys are configured at all', async () => {
    // Prepare
    const { deps } = setup();
    const { sharedKeys: _none, ...withoutKeys } = deps.config;

    // Act
    const reason = await refusal(
      receiveWebhook(
        { ...deps, config: withoutKeys },
        sharedKeyRequest({ key: MAIN_KEY, algorithm: 'HMAC_SHA256' }),
      ),
    );

    // Assess
    expect(reason).toContain(`key ${MAIN_KEY.id} is not configured`);
  });
});
