import { describe, expect, it } from 'vitest';
import { createAccountTokens } from '../../lib/account-tokens.ts';
import { DEFAULT_TOKEN_CACHE_POLICY as POLICY } from '../../lib/domain/token-cache-policy.ts';
import {
  ForeignAccountWebhookError,
  SignatureMismatchError,
} from '../../lib/domain/webhook-errors.ts';
import type { AccountDirectory } from '../../lib/ports.ts';
import { receiveWebhook } from '../../lib/receive-webhook.ts';
import { FakeJobQueue } from '../helpers/fake-job-queue.ts';
import {
  buildMmsFields,
  signWebhook,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  testMediaSid,
} from '../helpers/twilio-webhook.ts';

const URL = 'https://hooks.example.com/twilio/incoming';
const SUB_A = `AC${'a'.repeat(32)}`;
const SUB_B = `AC${'b'.repeat(32)}`;
const OUTSIDE = `AC${'e'.repeat(32)}`;

const setup = () => {
  const tokensOf = new Map([
    [SUB_A, 'token-a'],
    [SUB_B, 'token-b'],
  ]);
  const calls = { lists: 0, lookups: 0 };
  const directory: AccountDirectory = {
    listSubaccounts: async () => {
      calls.lists += 1;
      return [...tokensOf.keys()].map((sid) => ({
        sid,
        ownerAccountSid: TEST_ACCOUNT_SID,
        status: 'active',
        friendlyName: sid,
        dateCreated: '',
        dateUpdated: '',
      }));
    },
    getSubaccount: async (sid) => {
      calls.lookups += 1;
      const authToken = tokensOf.get(sid);
      return authToken === undefined
        ? undefined
        : {
            sid,
            ownerAccountSid: TEST_ACCOUNT_SID,
            status: 'active',
            friendlyName: sid,
            dateCreated: '',
            dateUpdated: '',
            authToken,
          };
    },
  };
  const clock = { now: 0 };
  const queue = new FakeJobQueue();
  const deps = {
    queue,
    config: {
      accountSid: TEST_ACCOUNT_SID,
      authTokens: [TEST_AUTH_TOKEN],
      archiveAddresses: false,
    },
    tokens: createAccountTokens({
      mainAccountSid: TEST_ACCOUNT_SID,
      mainTokens: [TEST_AUTH_TOKEN],
      scope: { kind: 'all' },
      directory,
      now: () => clock.now,
    }),
  };
  return { deps, queue, tokensOf, calls, clock };
};

const webhook = (accountSid: string, token: string, n = 1) => {
  const fields = buildMmsFields({
    accountSid,
    messageSid: `MM${String(n).padStart(32, '0')}`,
    media: [{ mediaSid: testMediaSid(n), contentType: 'image/jpeg' }],
  });
  return { url: URL, fields, signature: signWebhook(URL, token, fields) };
};

describe('receiveWebhook with TWILIO_SUBACCOUNTS=all', () => {
  it('accepts each subaccount signed with its own token, and the main account as before', async () => {
    // Prepare
    const { deps, queue } = setup();

    // Act
    await receiveWebhook(deps, webhook(SUB_A, 'token-a', 1));
    await receiveWebhook(deps, webhook(SUB_B, 'token-b', 2));
    await receiveWebhook(deps, webhook(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, 3));

    // Assess
    expect(queue.jobs.map((job) => job.accountSid)).toEqual([SUB_A, SUB_B, TEST_ACCOUNT_SID]);
  });

  it("refuses a subaccount's webhook signed with another subaccount's (or the main) token", async () => {
    // Prepare
    const { deps, queue } = setup();

    // Act
    const withB = receiveWebhook(deps, webhook(SUB_A, 'token-b'));
    const withMain = receiveWebhook(deps, webhook(SUB_A, TEST_AUTH_TOKEN));

    // Assess
    await expect(withB).rejects.toBeInstanceOf(SignatureMismatchError);
    await expect(withMain).rejects.toBeInstanceOf(SignatureMismatchError);
    expect(queue.calls).toEqual([]);
  });

  it('refuses an account that is not a subaccount with 403 before any signature check', async () => {
    // Prepare
    const { deps, queue, calls } = setup();

    // Act
    const result = receiveWebhook(deps, webhook(OUTSIDE, 'whatever'));

    // Assess
    await expect(result).rejects.toBeInstanceOf(ForeignAccountWebhookError);
    await expect(result).rejects.toMatchObject({ statusCode: 403 });
    expect(calls.lookups).toBe(0);
    expect(queue.calls).toEqual([]);
  });

  it('accepts a burst signed with a token rotated mid-burst after one forced lookup', async () => {
    // Prepare
    const { deps, queue, tokensOf, calls } = setup();
    await receiveWebhook(deps, webhook(SUB_A, 'token-a', 1));
    tokensOf.set(SUB_A, 'token-a2');
    const lookupsBefore = calls.lookups;

    // Act
    const burst = await Promise.allSettled([
      receiveWebhook(deps, webhook(SUB_A, 'token-a', 2)),
      ...Array.from({ length: 20 }, (_, n) =>
        receiveWebhook(deps, webhook(SUB_A, 'token-a2', n + 3)),
      ),
    ]);

    // Assess
    expect(burst.every((outcome) => outcome.status === 'fulfilled')).toBe(true);
    expect(queue.jobs).toHaveLength(22);
    expect(calls.lookups - lookupsBefore).toBe(1);
  });

  it('does not let a burst of forged signatures cost more than one lookup per interval', async () => {
    // Prepare
    const { deps, calls, clock } = setup();
    await receiveWebhook(deps, webhook(SUB_A, 'token-a', 1));
    const lookupsBefore = calls.lookups;

    // Act
    const forged = await Promise.allSettled(
      Array.from({ length: 200 }, (_, n) => receiveWebhook(deps, webhook(SUB_A, 'forged', n + 2))),
    );
    clock.now += POLICY.forcedRefreshIntervalMs - 1;
    await receiveWebhook(deps, webhook(SUB_A, 'forged', 999)).catch(() => undefined);

    // Assess
    expect(forged.every((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(calls.lookups - lookupsBefore).toBe(1);
  });
});
